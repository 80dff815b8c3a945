#!/usr/bin/env bash
# Batched sliced W_2 between point clouds (n = m = 64 by default, d = 3, uniform masses, 50
# seeded directions shared by both): otk's SlicedWasserstein.DistanceBatch on all cores
# against POT's ot.sliced_wasserstein_distance per pair on one thread, the same inputs and
# directions, side by side (issue 22's goal: 10x). Prints both rates, the ratio and the
# largest difference of the values, and fails (exit 1) if that exceeds 1e-10: a check against POT.
#   bash bench/scripts/sliced_vs_pot.sh [pairs=10000] [threads=all] [n=64] [directions=50]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-10000}
threads=${2:-$(nproc)}
n=${3:-64}
directions=${4:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
/usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(2011)
np.save('$work/x.npy', rng.random(($pairs, $n, 3))); np.save('$work/y.npy', rng.random(($pairs, $n, 3)) + 0.2)
theta = rng.normal(size=($directions, 3)); np.save('$work/theta.npy', theta / np.linalg.norm(theta, axis=1, keepdims=True))"
pot_line=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_sliced_pairs.py" "$work/x.npy" "$work/y.npy" "$work/theta.npy" "$work/pot.npy")
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sliced-pairs "$work/x.npy" "$work/y.npy" "$work/theta.npy" "$threads" "$work/otk.npy")
echo "$pot_line"
echo "$otk_line"
/usr/bin/python3 "$root/bench/scripts/compare_runs.py" "$work/pot.npy" "$work/otk.npy" "$pot_line" "$otk_line" "the values" 1e-10
