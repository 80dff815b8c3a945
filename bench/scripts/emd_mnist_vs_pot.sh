#!/usr/bin/env bash
# Exact W2^2 between 200 fixed MNIST training pairs (784-bin inputs): otk's network
# simplex against POT's ot.emd2, side by side, one thread each, both timed warm (one
# untimed pass first). Prints the rates, the ratios, and the largest difference between
# the W2^2 values of otk w2 mnist (the command users run) and POT.
#   bash bench/scripts/emd_mnist_vs_pot.sh [pairs=200] [threads-for-otk=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-200}
threads=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$root/bench/scripts/mnist_common.sh"
mnist_prepare "$root" "$pairs" "$work/pairs.csv"
otk() { dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" "$@"; }

# Keep glibc from mapping and unmapping POT's 4.9 MB dense plan on every call (see pot_emd_mnist.py).
pot_lines=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 \
  /usr/bin/python3 "$root/bench/scripts/pot_emd_mnist.py" "$images" "$work/pairs.csv" "$work/pot.csv")
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" mnist-w2 "$images" "$work/pairs.csv" "$threads")
otk w2 mnist --pairs "$work/pairs.csv" --threads "$threads" --out "$work/otk.csv" >/dev/null 2>&1
echo "$pot_lines"
echo "$otk_line"
/usr/bin/python3 - "$work/pot.csv" "$work/otk.csv" "$pot_lines" "$otk_line" <<'PY'
import sys, csv, re
pot = [float(r["w2sq"]) for r in csv.DictReader(open(sys.argv[1]))]
otk = [float(r["w2sq"]) for r in csv.DictReader(open(sys.argv[2]))]
diff = max(abs(p - o) / max(1.0, abs(p)) for p, o in zip(pot, otk))
rates = [float(x) for x in re.findall(r"([0-9.]+) pairs/s", sys.argv[3])]
mine = float(re.search(r"([0-9.]+) pairs/s", sys.argv[4]).group(1))
print(f"max relative difference in W2^2: {diff:.2e}")
print(f"ratio otk/POT (full input): {mine / rates[0]:.2f}x; otk/POT (nonzero pixels only): {mine / rates[1]:.2f}x")
PY
