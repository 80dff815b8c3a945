#!/usr/bin/env bash
# The whole GPU check in one run, on a GPU host, from the repository root with the bundle of
# tools/gpu-bundle.sh in .gpu/: `otk gpu check --kind cuda` (every ILGPU kernel against the
# CPU code), then the benchmark program's `kernels` (data resident on the device) beside the same
# iteration in PyTorch (bench/scripts/torch_sinkhorn_clouds.py) for n = 16, 64 and d = 2, 16,
# printing the ratio of pairs/s for the forward and the forward + unrolled reverse pass; then
# the time of metric learning's batch of divergences (otk dml train) on the GPU and the CPU;
# then batched entropic Gromov-Wasserstein (gw-pairs on CUDA) beside the same batch in
# PyTorch (bench/scripts/torch_gromov_pairs.py), both in float32, values compared.
# Everything goes to one results file (default $OUT/gpu-results.txt, else gpu-results.txt).
# Sized to finish in under 5 minutes on an H100/H200 at the defaults.
# Usage: bash bench/scripts/gpu_kernels_vs_torch.sh [PAIRS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-1000000}
iterations=${2:-50}
results=${RESULTS:-${OUT:-.}/gpu-results.txt}
otk() { bash .gpu/otk.sh "$@"; }
bench() { bash .gpu/bench.sh "$@"; }
# The pairs/s column of a bench row, counted from the row's end (names have spaces).
rate() { awk -v row="$1" 'index($0, row) == 1 { v = $(NF - 4); gsub(",", "", v); print v }'; }
{
  echo "# gpu_kernels_vs_torch.sh $pairs pairs, $iterations iterations, $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
  otk gpu check --kind cuda
  for n in 16 64; do
    for d in 2 16; do
      out=$(bench kernels --accelerator cuda --pairs "$pairs" --n "$n" --d "$d" --iterations "$iterations" --dense-pairs 4096)
      echo "$out"
      ref=$(python3 bench/scripts/torch_sinkhorn_clouds.py --pairs "$pairs" --n "$n" --d "$d" --iterations "$iterations")
      echo "$ref"
      ours_f=$(rate "Sinkhorn clouds (forward)" <<<"$out")
      ours_fb=$(rate "forward + unrolled reverse" <<<"$out")
      torch_f=$(awk '/^torch forward pairs/ { print $4 }' <<<"$ref")
      torch_fb=$(awk '/^torch forward\+backward pairs/ { print $4 }' <<<"$ref")
      awk -v n="$n" -v d="$d" -v of="$ours_f" -v tf="$torch_f" -v ofb="$ours_fb" -v tfb="$torch_fb" 'BEGIN {
        printf "ratio n=%d d=%d: forward %.1fx torch (%d vs %d pairs/s); forward+backward %.1fx torch (%d vs %d pairs/s)\n",
               n, d, of / tf, of, tf, ofb / tfb, ofb, tfb }'
    done
  done
  # Metric learning's batch (otk dml train's defaults: 32 anchors and their partners, 2,016
  # pairs of 4 points in R^4, L = 20): the divergences forward and reverse, per batch, on the
  # GPU and on this host's CPU cores, from the row "divergence + reverse, W1".
  for where in cuda cpu; do
    bench kernels --accelerator "$where" --pairs 2016 --n 4 --d 4 --iterations 20 --dense-pairs 64 | grep -E "^(accelerator|divergence \+ reverse)"
  done
  # Entropic GW (issue 22): 4,096 pairs of 32-point clouds, R^2 against R^3, eps 0.05; the
  # kernel stops at float's floor, PyTorch at a change of 1e-7; values within 1e-3.
  gw=$(mktemp -d)
  python3 -c "import numpy as np; rng = np.random.default_rng(2016); np.save('$gw/x.npy', rng.random((4096, 32, 2))); np.save('$gw/y.npy', rng.random((4096, 32, 3)))"
  ours=$(bench gw-pairs "$gw/x.npy" "$gw/y.npy" 0.05 1 "$gw/otk.npy" cuda)
  ref=$(python3 bench/scripts/torch_gromov_pairs.py "$gw/x.npy" "$gw/y.npy" 0.05 "$gw/torch.npy")
  echo "$ours"
  echo "$ref"
  python3 bench/scripts/compare_runs.py "$gw/torch.npy" "$gw/otk.npy" "$ref" "$ours" "the GW values" 1e-3 || true
} 2>&1 | tee "$results"
echo "results: $results"
