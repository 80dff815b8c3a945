#!/usr/bin/env bash
# The full Deep Wasserstein Embedding run of docs/RESULTS.md (Courty et al. 2018 on MNIST):
# 1,000,000 pairs of training images with exact W2^2 (700,000 / 200,000 / 100,000), the
# training with the authors' settings plus a halving of Adam's rate after each epoch that
# does not improve the validation loss (as for models/dwe-mnist.safetensors), the evaluation
# on the 100,000 test pairs, the throughput table and the four data-mining pictures. Every
# step resumes where it stopped.
# Usage: bash bench/scripts/dwe_mnist.sh [WORK_DIR] [VALID_PAIRS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/dwe-mnist}
valid=${2:-20000}   # validation pairs evaluated after each epoch (0: all 200,000)
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
otk() { dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" "$@"; }
otk data mnist >/dev/null
otk dwe pairs --count 1000000 --out "$work/pairs"
otk dwe train --pairs "$work/pairs" --valid-pairs "$valid" --plateau-decay 0.5 --out "$work/run"
model="$work/run/model.safetensors"
otk dwe eval --model "$model" --pairs "$work/pairs/test.csv" --scatter "$work/scatter.svg"
dotnet run -c Release --project "$root/bench/OtKernels.Bench" -- dwe-figure2 --model "$model"
otk dwe barycenters --model "$model" --out "$work/barycenters.png"
otk dwe interpolate --model "$model" --from 0 --to 1 --out "$work/interpolation.png"
otk dwe pga --model "$model" --out "$work/pga.png"
otk dwe kmeans --model "$model" --out "$work/kmeans.png"
