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
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" data mnist >/dev/null
images=${OTK_DATA:-$HOME/.cache/otkernels}/mnist/train-images-idx3-ubyte
/usr/bin/python3 -c "
s = 12345; print('i,j')
for _ in range($pairs):
    s = (1103515245 * s + 12345) % 2**31; i = s % 60000
    s = (1103515245 * s + 12345) % 2**31; print(f'{i},{s % 60000}')" > "$work/pairs.csv"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_sinkhorn_mnist.py" "$images" "$work/pairs.csv" 1.458 1e-9
dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sinkhorn-mnist "$images" "$work/pairs.csv" 1.458 1e-9 0.5 "$omega" 1
