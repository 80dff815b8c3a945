#!/usr/bin/env bash
# Batched entropic Gromov-Wasserstein (square loss) between point clouds, x in R^2 and y in
# R^3 (n = m = 32 by default, uniform masses, Euclidean distances, eps = 0.05): otk on all
# cores against POT's ot.gromov.entropic_gromov_wasserstein2 per pair on one thread, the
# same inputs, side by side (issue 22's goal: 10x). Prints both rates, the ratio and the
# largest difference of the values, and fails (exit 1) if that exceeds 1e-6: a check against POT.
#   bash bench/scripts/gw_vs_pot.sh [pairs=200] [threads=all] [n=32]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-200}
threads=${2:-$(nproc)}
n=${3:-32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
/usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(2016)
np.save('$work/x.npy', rng.random(($pairs, $n, 2))); np.save('$work/y.npy', rng.random(($pairs, $n, 3)))"
pot_line=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_gromov_pairs.py" "$work/x.npy" "$work/y.npy" 0.05 "$work/pot.npy")
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" gw-pairs "$work/x.npy" "$work/y.npy" 0.05 "$threads" "$work/otk.npy")
echo "$pot_line"
echo "$otk_line"
/usr/bin/python3 "$root/bench/scripts/compare_runs.py" "$work/pot.npy" "$work/otk.npy" "$pot_line" "$otk_line" "the values" 1e-6
