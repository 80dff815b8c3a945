#!/usr/bin/env bash
# The MNIST table of docs/RESULTS.md (Frogner et al. 2019 as the synthesis runs it): for M in
# {1, 3, 8, 16} points in R^2 per image, the Wasserstein embedding (sqrt <P, C> after 20
# Sinkhorn iterations at eps 0.05) beside the Euclidean Siamese baseline of the same 2 M
# numbers, both trained by `otk embed train` at the same settings for EPOCHS epochs, then
# `otk embed eval` (kNN, k = 5, Euclidean on the flattened vector; the test set against the
# 60,000 training images). Each finished run leaves eval.json in its directory and is skipped
# when the script runs again; a killed run resumes from its checkpoint. Prints a markdown
# table; every run's train and eval JSON is in RESULTS_DIR/mnist-runs.jsonl.
# Usage: bash bench/scripts/mnist_embeddings.sh [EPOCHS] [M values...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
epochs=${1:-10}
shift || true
sizes=(1 3 8 16)
if [[ $# -gt 0 ]]; then sizes=("$@"); fi
out=${RESULTS_DIR:-runs/mnist-embeddings}
mkdir -p "$out"
# A private copy of the program, so that rebuilding the tree during a long run changes nothing.
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
rm -rf "$out/otk.partial" && cp -r "$root/tools/OtKernels.Cli/bin/Release/net10.0" "$out/otk.partial"
rm -rf "$out/otk" && mv "$out/otk.partial" "$out/otk"
otk() { dotnet "$out/otk/otk.dll" "$@"; }
for m in "${sizes[@]}"; do
  for distance in wasserstein euclidean; do
    dir="$out/m$m-$distance-e$epochs"
    [[ -f "$dir/eval.json" ]] && continue
    echo "mnist_embeddings: M $m, $distance, $epochs epochs -> $dir" >&2
    otk embed train --points "$m" --dimension 2 --distance "$distance" --epochs "$epochs" --shift 2 --out "$dir" > "$dir.train.json"
    otk embed eval --model "$dir/model.safetensors" > "$dir/eval.json.partial"
    /usr/bin/python3 - "$dir.train.json" "$dir/eval.json.partial" "$m" "$distance" <<'PY' > "$dir/eval.json.tmp"
import json, sys
train, evaluation = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
# "distance" is the kNN's (eval's); the model's kind is "embedding".
print(json.dumps({**train, **evaluation, "points": int(sys.argv[3]), "embedding": sys.argv[4]}))
PY
    mv "$dir/eval.json.tmp" "$dir/eval.json" && rm -f "$dir/eval.json.partial"
  done
done
cat "$out"/m*-e"$epochs"/eval.json > "$out/mnist-runs.jsonl"
/usr/bin/python3 - "$out/mnist-runs.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| M (points in R^2) | numbers per image | Wasserstein kNN | Euclidean kNN | Wasserstein training s | Euclidean training s |")
print("|---|---|---|---|---|---|")
for m in sorted({r["points"] for r in rows}):
    w = next((r for r in rows if r["points"] == m and r["embedding"] == "wasserstein"), None)
    e = next((r for r in rows if r["points"] == m and r["embedding"] == "euclidean"), None)
    cell = lambda r, key, f: f(r[key]) if r else "not run"
    print(f"| {m} | {2 * m} | {cell(w, 'knn_accuracy', lambda a: f'{100 * a:.2f}%')} | {cell(e, 'knn_accuracy', lambda a: f'{100 * a:.2f}%')} "
          f"| {cell(w, 'seconds_all_epochs', lambda s: f'{s:,.0f}')} | {cell(e, 'seconds_all_epochs', lambda s: f'{s:,.0f}')} |")
PY
