"""The verdict of a side-by-side run: the largest relative difference of two value files and
the ratio of the two rates ("N pairs/s") printed by the programs; with LIMIT, exit 1 when
the difference exceeds it (the script is then also a check against the reference). The
reference (POT, or PyTorch on a GPU host) is named by the first word of its line.
    compare_runs.py REFERENCE.npy OTK.npy "the reference's line" "otk's line" [what] [LIMIT]
"""
import re, sys
import numpy as np

pot, mine = np.load(sys.argv[1]), np.load(sys.argv[2])
rate = lambda line: float(re.search(r"([0-9.]+) pairs/s", line).group(1))
what = sys.argv[5] if len(sys.argv) > 5 else "the values"
difference = np.max(np.abs(pot - mine) / np.abs(pot))
print(f"max relative difference of {what}: {difference:.2e}")
print(f"ratio otk/{sys.argv[3].split()[0]} pairs per second: {rate(sys.argv[4]) / rate(sys.argv[3]):.1f}x")
if len(sys.argv) > 6 and not difference <= float(sys.argv[6]):
    sys.exit(f"FAIL: the values differ by {difference:.2e}, more than {sys.argv[6]}")
