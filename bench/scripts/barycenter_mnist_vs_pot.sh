#!/usr/bin/env bash
# otk's Bregman and convolutional barycenters beside POT's on the same COUNT training images
# of one MNIST class, same eps (1e-3 of the largest cost) and stopping rule, in one run;
# prints each side's time and iterations, the ratio, and the largest difference between the
# barycenters. otk uses every core; POT one thread (OMP_NUM_THREADS=1), as its code is serial
# apart from BLAS.
# Usage: bash bench/scripts/barycenter_mnist_vs_pot.sh [DIGIT] [COUNT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
digit=${1:-3}
count=${2:-1000}
eps=1.458
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
otk() { dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" "$@"; }
otk data mnist >/dev/null
data=${OTK_DATA:-$HOME/.cache/otkernels}/mnist
declare -A seconds
for method in bregman convolutional; do
  line=$(otk barycenter --class "$digit" --count "$count" --method "$method" --epsilon "$eps" --out "$work/$method.png" --npy "$work/otk_$method.npy")
  echo "otk $line"
  seconds[$method]=$(sed -E 's/.*: ([0-9.]+) s,.*/\1/' <<<"$line")
done
pot=$(OMP_NUM_THREADS=1 /usr/bin/python3 "$root/bench/scripts/pot_barycenter_mnist.py" "$data/train-images-idx3-ubyte" "$data/train-labels-idx1-ubyte" \
  "$digit" "$count" "$eps" "$work/pot")
echo "$pot"
for method in bregman convolutional; do
  theirs=$(awk -v m="$method" '$2 == m { print $4 }' <<<"$pot")
  difference=$(/usr/bin/python3 -c "import numpy as np; print(f'{np.abs(np.load(\"$work/otk_$method.npy\") - np.load(\"$work/pot_$method.npy\")).max():.2e}')")
  awk -v m="$method" -v o="${seconds[$method]}" -v p="$theirs" -v d="$difference" \
    'BEGIN { printf "ratio %s: otk %.2f s, POT %.2f s: %.1fx; max |otk - POT| = %s\n", m, o, p, p / o, d }'
done
