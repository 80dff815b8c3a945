#!/usr/bin/env bash
# otk's log-domain barycenter on a dense cost beside POT's ot.bregman.barycenter (its log
# method, the same computation, and its kernel method, its fastest), in one run: COUNT
# Gaussian histograms of BINS bins on [0, 1] (POT's example at 2 x 100), the squared distance
# scaled to max 1, eps EPS, stopThr 1e-4. Prints each side's time and iterations, the ratios,
# and the largest difference between the barycenters. POT on one thread.
# Usage: bash bench/scripts/barycenter_dense_vs_pot.sh [BINS=100] [COUNT=2] [EPS=0.01] [THREADS=-1, the default policy]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bins=${1:-100}
count=${2:-2}
eps=${3:-0.01}
threads=${4:--1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
/usr/bin/python3 -c "
import numpy as np, ot
rng = np.random.default_rng(2015)
x = np.arange($bins, dtype=np.float64)
centres = [0.2, 0.6] + list(rng.uniform(0.1, 0.9, max(0, $count - 2)))
widths = [0.05, 0.08] + list(rng.uniform(0.03, 0.1, max(0, $count - 2)))
A = np.array([ot.datasets.make_1D_gauss($bins, m=c * $bins, s=w * $bins) for c, w in zip(centres[:$count], widths[:$count])])
M = ot.utils.dist0($bins); M /= M.max()
np.save('$work/a.npy', A); np.save('$work/m.npy', M)"
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" barycenter-dense "$work/a.npy" "$work/m.npy" "$eps" "$threads" "$work/otk.npy")
pot=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_barycenter_dense.py" "$work/a.npy" "$work/m.npy" "$eps" "$work/pot")
echo "$otk_line"
echo "$pot"
seconds=$(sed -E 's/.*: ([0-9.]+) s,.*/\1/' <<<"$otk_line")
for method in sinkhorn_log sinkhorn; do
  theirs=$(awk -v m="$method" '$2 == m { print $4 }' <<<"$pot")
  difference=$(/usr/bin/python3 -c "import numpy as np; print(f'{np.abs(np.load(\"$work/otk.npy\") - np.load(\"$work/pot_$method.npy\")).max():.2e}')")
  awk -v m="$method" -v o="$seconds" -v p="$theirs" -v d="$difference" \
    'BEGIN { printf "ratio POT %s / otk: %.1fx; max |otk - POT| = %s\n", m, p / o, d }'
done
