#!/usr/bin/env bash
# The node-embedding table of docs/RESULTS.md (Frogner et al. 2019, section 5.1): for each
# generated graph (random tree, Barabasi-Albert, Watts-Strogatz, stochastic blocks; seed 1)
# and each size of M k in {4, 8, 16, 32} numbers per node, the Wasserstein embedding (M k/2
# points in R^2, W1 ground metric, <P, C> after 20 iterations at eps 0.05) beside the
# Euclidean one of the same numbers (the flattened vector); the best epoch's average distortion and mean average
# precision, as a markdown table, and the JSON of every run in RESULTS_DIR/graph-runs.jsonl.
# Usage: bash bench/scripts/graph_embeddings.sh [NODES] [EPOCHS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
nodes=${1:-128}
epochs=${2:-100}
out=${RESULTS_DIR:-runs/graph-embeddings}
mkdir -p "$out"
dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
otk() { dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" "$@"; }
runs="$out/graph-runs.jsonl"
: > "$runs.partial"
for kind in tree ba ws sbm; do
  for size in 4 8 16 32; do
    otk embed graph --kind "$kind" --nodes "$nodes" --points $((size / 2)) --dimension 2 --distance wasserstein \
      --epochs "$epochs" --learning-rate 0.05 --out "$out/$kind-$size-w" 2>/dev/null >> "$runs.partial"
    otk embed graph --kind "$kind" --nodes "$nodes" --points $((size / 2)) --dimension 2 --distance euclidean \
      --epochs "$epochs" --learning-rate 0.05 --out "$out/$kind-$size-e" 2>/dev/null >> "$runs.partial"
  done
done
mv "$runs.partial" "$runs"
/usr/bin/python3 - "$runs" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| graph | nodes | edges | numbers per node | Wasserstein distortion | Euclidean distortion | Wasserstein MAP | Euclidean MAP |")
print("|---|---|---|---|---|---|---|---|")
for kind in ["tree", "ba", "ws", "sbm"]:
    for size in [4, 8, 16, 32]:
        w = next(r for r in rows if r["kind"] == kind and r["numbers_per_node"] == size and r["distance"] == "wasserstein")
        e = next(r for r in rows if r["kind"] == kind and r["numbers_per_node"] == size and r["distance"] == "euclidean")
        better = lambda a, b: f"**{a:.3f}**" if a < b else f"{a:.3f}"
        print(f"| {kind} | {w['nodes']} | {w['edges']} | {size} | {better(w['distortion'], e['distortion'])} | {better(e['distortion'], w['distortion'])} "
              f"| {w['mean_average_precision']:.3f} | {e['mean_average_precision']:.3f} |")
PY
