#!/usr/bin/env bash
# Exact W2^2 on the sparse multiscale path against POT's ot.emd2, side by side, one thread
# each, timed warm: smooth densities on a SIZE x SIZE grid (every pixel positive), or
# uniformly weighted clouds of POINTS points in R^DIMENSION. otk solves PAIRS pairs, POT the
# first POT_PAIRS (it takes seconds per pair at 64 x 64); prints both rates and memory, and
# on the pairs both solved the time ratio and the largest relative difference in value.
#   bash bench/scripts/emd_sparse_vs_pot.sh grid [size=64] [pairs=10] [pot-pairs=3]
#   bash bench/scripts/emd_sparse_vs_pot.sh cloud [points=1000] [dimension=2] [pairs=5] [pot-pairs=3]
# pot-pairs 0 runs otk alone (128 x 128: POT's dense cost matrix alone is 2 GB).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kind=${1:-grid}
if [[ $kind == grid ]]; then
  shape=("${2:-64}"); pairs=${3:-10}; pot_pairs=${4:-3}
else
  shape=("${2:-1000}" "${3:-2}"); pairs=${4:-5}; pot_pairs=${5:-3}
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
otk_out=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" "$kind-w2" "${shape[@]}" "$pairs" "$work/inputs.f64")
echo "$otk_out" | grep -v "^otk values\|^otk ms"
[[ $pot_pairs -gt 0 ]] || exit 0
pot_out=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
  /usr/bin/python3 "$root/bench/scripts/pot_emd_pairs.py" "$kind" "${shape[@]}" "$pairs" "$work/inputs.f64" "$pot_pairs")
echo "$pot_out" | grep -v "^POT values\|^POT ms"
/usr/bin/python3 - "$otk_out" "$pot_out" <<'PY'
import re, sys
otk, pot = sys.argv[1], sys.argv[2]
mine = [float(v) for v in re.search(r"otk values: (.*)", otk).group(1).split()]
ref = [float(v) for v in re.search(r"POT values: (.*)", pot).group(1).split()]
diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(mine, ref))
times = lambda text, who: [float(v) for v in re.search(who + r" ms: (.*)", text).group(1).split()]
pot_ms = times(pot, "POT"); otk_ms = times(otk, "otk")[:len(pot_ms)]
print(f"max relative difference in W2^2: {diff:.2e}")
print(f"on the {len(pot_ms)} pairs both solved: otk {sum(otk_ms) / len(otk_ms):.1f} ms/pair, POT {sum(pot_ms) / len(pot_ms):.1f} ms/pair: ratio {sum(pot_ms) / sum(otk_ms):.1f}x")
PY
