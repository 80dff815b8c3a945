#!/usr/bin/env bash
# The metric-learning tables of docs/RESULTS.md (Dou et al. 2022's Table 1 on the data this
# project has): for each data set (Fashion-MNIST, MNIST; zero-shot: train on classes 0-4,
# evaluate on the unseen 5-9), each loss and each seed, `otk dml train` for EPOCHS epochs at the
# defaults, then `otk dml eval`. Each finished run leaves eval.json in its directory and is
# skipped when the script runs again; a killed run resumes from its checkpoint. Prints one
# markdown table per data set: mean and standard deviation over the seeds of Recall@1, @4,
# mAP@R, NMI, F1, and the median training time (a median, since a run that shared the
# machine or was paused reads long); every run's JSON is in RESULTS_DIR/dml-runs.jsonl.
# Usage: bash bench/scripts/dml_table.sh [EPOCHS] [SEEDS] [DATASETS] [LOSSES]
#   e.g. bash bench/scripts/dml_table.sh 5 "1 2 3" "fashion mnist" "wtriplet triplet"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
epochs=${1:-5}
seeds=(${2:-1 2 3})
datasets=(${3:-fashion mnist})
losses=(${4:-wtriplet wcontrastive triplet contrastive margin multisimilarity npair proxynca})
out=${RESULTS_DIR:-runs/dml-table}
source "$root/bench/scripts/private-otk.sh"
private_otk "$root" "$out"
otk data fashion-mnist >/dev/null
otk data mnist >/dev/null
for seed in "${seeds[@]}"; do
  for dataset in "${datasets[@]}"; do
    for loss in "${losses[@]}"; do
      dir="$out/$dataset-$loss-s$seed-e$epochs"
      [[ -f "$dir/eval.json" ]] && continue
      echo "dml_table: $dataset, $loss, seed $seed, $epochs epochs -> $dir" >&2
      otk dml train --dataset "$dataset" --loss "$loss" --seed "$seed" --epochs "$epochs" --out "$dir" > "$dir.train.json"
      otk dml eval --dataset "$dataset" --model "$dir/model.safetensors" > "$dir/eval.json.partial"
      /usr/bin/python3 - "$dir.train.json" "$dir/eval.json.partial" "$seed" <<'PY' > "$dir/eval.json.tmp"
import json, sys
train, evaluation = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
print(json.dumps({**train, **evaluation, "seed": int(sys.argv[3])}))
PY
      mv "$dir/eval.json.tmp" "$dir/eval.json" && rm -f "$dir/eval.json.partial"
    done
  done
done
cat "$out"/*-e"$epochs"/eval.json > "$out/dml-runs.jsonl"
/usr/bin/python3 - "$out/dml-runs.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
keys = ["recall_at_1", "recall_at_4", "map_at_r", "nmi", "f1"]
for dataset in ["fashion", "mnist"]:
    mine = [r for r in rows if r["dataset"] == dataset]
    if not mine: continue
    print(f"\n{dataset}: mean ± standard deviation over seeds (n seeds)\n")
    print("| loss | R@1 | R@4 | mAP@R | NMI | F1 | training s (median) | seeds |")
    print("|---|---|---|---|---|---|---|---|")
    for loss in dict.fromkeys(r["loss"] for r in mine):
        runs = [r for r in mine if r["loss"] == loss]
        cell = lambda v: f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
        print(f"| {loss} | " + " | ".join(cell([r[k] for r in runs]) for k in keys)
              + f" | {statistics.median(r['seconds_all_epochs'] for r in runs):,.0f} | {len(runs)} |")
PY
