#!/usr/bin/env bash
# Exact W2^2 between 200 fixed MNIST training pairs (784-bin inputs): otk's network
# simplex against POT's ot.emd2, side by side, one thread each. Prints both rates, the
# ratio and the largest difference between the two sets of values.
#   bash bench/scripts/emd_mnist_vs_pot.sh [pairs=200] [threads-for-otk=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-200}
threads=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
otk() { dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" "$@"; }
otk data mnist >/dev/null
data=${OTK_DATA:-$HOME/.cache/otkernels}/mnist

# Fixed pairs: a linear congruential sequence over the 60,000 training images.
/usr/bin/python3 - "$pairs" > "$work/pairs.csv" <<'PY'
import sys
n = int(sys.argv[1]); s = 12345
print("i,j")
for _ in range(n):
    s = (1103515245 * s + 12345) % 2**31; i = s % 60000
    s = (1103515245 * s + 12345) % 2**31; j = s % 60000
    print(f"{i},{j}")
PY

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
pot_lines=$(/usr/bin/python3 "$root/bench/scripts/pot_emd_mnist.py" "$data/train-images-idx3-ubyte" "$work/pairs.csv" "$work/pot.csv")
otk_line=$(otk w2 mnist --pairs "$work/pairs.csv" --threads "$threads" --out "$work/otk.csv" 2>/dev/null)
echo "$pot_lines"
echo "otk: $otk_line"
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
