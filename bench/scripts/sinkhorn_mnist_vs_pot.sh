#!/usr/bin/env bash
# Sinkhorn between MNIST training pairs at eps = 1.458 px^2 (1e-3 of the largest cost) and
# tolerance 1e-9: otk on the full 784-bin grid (separable log-domain soft-min, epsilon
# scaling 0.5, over-relaxation omega) against POT's two methods on the nonzero pixels, one
# thread each, each side timed as the fastest of three passes. Prints both times, the ratio against POT's faster method and the largest
# difference of <P, C>.
#   bash bench/scripts/sinkhorn_mnist_vs_pot.sh [pairs=10] [omega=1.8]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-10}
omega=${2:-1.8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/bench/scripts/mnist_common.sh"
mnist_prepare "$root" "$pairs" "$work/pairs.csv"
pot_lines=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_sinkhorn_mnist.py" "$images" "$work/pairs.csv" 1.458 1e-9 "$work/pot.npy")
otk_line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sinkhorn-mnist "$images" "$work/pairs.csv" 1.458 1e-9 0.5 "$omega" 1 "$work/otk.npy")
echo "$pot_lines"
echo "$otk_line"
/usr/bin/python3 - "$work/pot.npy" "$work/otk.npy" "$pot_lines" "$otk_line" <<'PY'
import sys, re
import numpy as np
pot, mine = np.load(sys.argv[1]), np.load(sys.argv[2])
ms = lambda s: [float(v) for v in re.findall(r"([0-9.]+) ms/pair", s)]
fastest_pot, otk = min(ms(sys.argv[3])), ms(sys.argv[4])[0]
print(f"max relative difference of <P, C> (otk full grid vs POT kernel method): {np.max(np.abs(pot - mine) / np.abs(pot)):.2e}")
print(f"ratio fastest POT / otk time per pair: {fastest_pot / otk:.1f}x")
PY
