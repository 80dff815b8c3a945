#!/usr/bin/env bash
# On a GPU host, from the repository root with the bundle of tools/gpu-bundle.sh in .gpu/:
# the conformance check, then otk's batched point-cloud Sinkhorn kernels beside the same
# iteration in PyTorch (bench/scripts/torch_sinkhorn_clouds.py), in one run, printing the
# ratio of pairs/s for the forward and the forward + unrolled reverse pass.
# Usage: bash bench/scripts/gpu_kernels_vs_torch.sh [PAIRS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-1000000}
iterations=${2:-50}
otk() { bash .gpu/otk.sh "$@"; }
otk gpu check --kind cuda
for n in 16 64; do
  for d in 2 16; do
    out=$(otk bench kernels --accelerator cuda --pairs "$pairs" --n "$n" --d "$d" --iterations "$iterations" --dense-pairs 4096)
    echo "$out"
    ref=$(python3 bench/scripts/torch_sinkhorn_clouds.py --pairs "$pairs" --n "$n" --d "$d" --iterations "$iterations")
    echo "$ref"
    ours_f=$(awk '/^sinkhorn_clouds \(forward\)/ { gsub(",", "", $4); print $4 }' <<<"$out")
    ours_fb=$(awk '/^sinkhorn_clouds forward \+ unrolled/ { gsub(",", "", $6); print $6 }' <<<"$out")
    torch_f=$(awk '/^torch forward pairs/ { print $4 }' <<<"$ref")
    torch_fb=$(awk '/^torch forward\+backward pairs/ { print $4 }' <<<"$ref")
    awk -v n="$n" -v d="$d" -v of="$ours_f" -v tf="$torch_f" -v ofb="$ours_fb" -v tfb="$torch_fb" 'BEGIN {
      printf "ratio n=%d d=%d: forward %.1fx torch (%d vs %d pairs/s); forward+backward %.1fx torch (%d vs %d pairs/s)\n",
             n, d, of / tf, of, tf, ofb / tfb, ofb, tfb }'
  done
done
