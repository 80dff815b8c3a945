#!/usr/bin/env bash
# The experiments of `otk losses` (Martinez's lecture, issue 19): each run of RUNS for each
# seed of SEEDS trains the MNIST CNN for EPOCHS epochs and scores it on the 10,000 test
# images; a run is DATASET:LOSS or DATASET:wasserstein:P, and LOSS+ce adds the cross-entropy
# at weight 1 (--ce-weight 1). Resumable: a run whose eval JSON
# exists is skipped, and an interrupted training resumes from its checkpoint. Each eval's
# JSON (with the run's spec and seed) is appended to docs/results/losses-runs.jsonl.
# Usage: bash bench/scripts/losses_table.sh [EPOCHS] [SEEDS] [RUNS]
#   defaults: 3, "1 2 3", the MNIST chain runs (ce, emd, emd2, wasserstein p = 0.5, 1, 2)
#   and the Fashion-MNIST tree runs (ce, hemd, hemd2, wasserstein on the tree).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/scripts/private-otk.sh"
epochs=${1:-3}
seeds=${2:-"1 2 3"}
runs=${3:-"mnist:ce mnist:emd mnist:emd2 mnist:wasserstein:0.5 mnist:wasserstein:1 mnist:wasserstein:2 fashion:ce fashion:hemd fashion:hemd2 fashion:wasserstein:1"}
out="$root/runs/losses-table"
private_otk "$root" "$out"
results="$root/docs/results/losses-runs.jsonl"
mkdir -p "$(dirname "$results")"
for seed in $seeds; do
  for spec in $runs; do
    IFS=: read -r dataset loss p <<<"$spec"
    ce=""; [[ $loss == *+ce ]] && ce=1
    name="$dataset-$loss${p:+-p$p}-s$seed"
    dir="$out/$name"
    [[ -f "$dir/eval.json" ]] && { echo "skip $name (done)"; continue; }
    echo "== $name"
    otk losses train --dataset "$dataset" --loss "${loss%+ce}" ${p:+--p "$p"} ${ce:+--ce-weight "$ce"} --epochs "$epochs" --seed "$seed" --out "$dir" > "$dir.train.json"
    otk losses eval --model "$dir/model.safetensors" > "$dir/eval.json.partial"
    mv "$dir/eval.json.partial" "$dir/eval.json"
    python3 - "$dir/eval.json" "$dir.train.json" "$spec" "$seed" "$epochs" >>"$results" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
e.pop("confusion", None)
print(json.dumps({"spec": sys.argv[3], "seed": int(sys.argv[4]), "epochs": int(sys.argv[5]),
                  "train_seconds": t["seconds_all_epochs"], "valid_accuracy": t["valid_accuracy"], **e}))
PY
  done
done
echo "results: $results"
/usr/bin/python3 "$root/bench/scripts/losses_summary.py" "$results"
