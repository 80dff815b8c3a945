#!/usr/bin/env bash
# Batched Sinkhorn between point clouds (n = m = 16 by default, d = 2, uniform weights,
# eps = 0.05, exactly 100 iterations): otk on all cores against POT's ot.sinkhorn2 called
# per pair on one thread, the same inputs, side by side. Prints both rates, the ratio and the
# largest difference of the values. With RHO, unbalanced transport (issue 22): b of mass 1.5
# against a's 1, MarginalPenalty RHO against POT's ot.unbalanced.sinkhorn_unbalanced.
#   bash bench/scripts/sinkhorn_clouds_vs_pot.sh [pairs=10000] [threads=all] [n=16] [rho]
#   bash bench/scripts/sinkhorn_clouds_vs_pot.sh 2000 2 64 0.5      # issue 22's unbalanced goal
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-10000}
threads=${2:-$(nproc)}
n=${3:-16}
rho=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
/usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(2019)
np.save('$work/x.npy', rng.random(($pairs, $n, 2))); np.save('$work/y.npy', rng.random(($pairs, $n, 2)))"
pot_line=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_sinkhorn_clouds.py" "$work/x.npy" "$work/y.npy" 0.05 100 "$work/pot.npy" $rho)
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sinkhorn-clouds "$work/x.npy" "$work/y.npy" 0.05 100 "$threads" "$work/otk.npy" $rho)
echo "$pot_line"
echo "$otk_line"
/usr/bin/python3 "$root/bench/scripts/compare_runs.py" "$work/pot.npy" "$work/otk.npy" "$pot_line" "$otk_line" "<P, C>"
