#!/usr/bin/env bash
# otk's Bregman and convolutional barycenters beside POT's on the same COUNT training images
# of one MNIST class, same eps (1e-3 of the largest cost) and stopping rule, in one run;
# prints each side's time and iterations, the ratios, and the largest difference between the
# barycenters. otk uses every core; POT one thread (OMP_NUM_THREADS=1), as its code is serial
# apart from BLAS. otk's side is the benchmark program's barycenter-mnist: the first solve in
# its process (code compiled on the way) and a second, warm one, each against POT's one call.
# Usage: bash bench/scripts/barycenter_mnist_vs_pot.sh [DIGIT] [COUNT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
digit=${1:-3}
count=${2:-1000}
eps=1.458
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" data mnist >/dev/null
data=${OTK_DATA:-$HOME/.cache/otkernels}/mnist
declare -A first warm
for method in bregman convolutional; do
  line=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" barycenter-mnist "$digit" "$count" "$method" "$eps" "$work/otk_$method.npy")
  echo "$line"
  first[$method]=$(sed -E 's/.*first call ([0-9.]+) s.*/\1/' <<<"$line")
  warm[$method]=$(sed -E 's/.*warm ([0-9.]+) s.*/\1/' <<<"$line")
done
pot=$(OMP_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_barycenter_mnist.py" "$data/train-images-idx3-ubyte" "$data/train-labels-idx1-ubyte" \
  "$digit" "$count" "$eps" "$work/pot")
echo "$pot"
for method in bregman convolutional; do
  theirs=$(awk -v m="$method" '$2 == m { print $4 }' <<<"$pot")
  difference=$(/usr/bin/python3 -c "import numpy as np; print(f'{np.abs(np.load(\"$work/otk_$method.npy\") - np.load(\"$work/pot_$method.npy\")).max():.2e}')")
  awk -v m="$method" -v f="${first[$method]}" -v o="${warm[$method]}" -v p="$theirs" -v d="$difference" \
    'BEGIN { printf "ratio %s: otk %.2f s warm (%.2f s first call), POT %.2f s: %.1fx warm, %.1fx first call; max |otk - POT| = %s\n", m, o, f, p, p / o, p / f, d }'
done
