#!/usr/bin/env bash
# Sinkhorn between MNIST training pairs at eps = 1.458 px^2 (1e-3 of the largest cost) and
# tolerance 1e-9: otk on the full 784-bin grid (separable log-domain soft-min, epsilon
# scaling 0.5, over-relaxation omega) against POT's two methods on the nonzero pixels, one
# thread each.
#   bash bench/scripts/sinkhorn_mnist_vs_pot.sh [pairs=10] [omega=1.8]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-10}
omega=${2:-1.8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/bench/scripts/mnist_common.sh"
mnist_prepare "$root" "$pairs" "$work/pairs.csv"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_sinkhorn_mnist.py" "$images" "$work/pairs.csv" 1.458 1e-9
dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sinkhorn-mnist "$images" "$work/pairs.csv" 1.458 1e-9 0.5 "$omega" 1
