#!/usr/bin/env bash
# Wasserstein coresets (WCRAIG, Dou et al. 2022 Algorithm 1) against all the data: wtriplet on
# Fashion-MNIST, 5 epochs, for each seed in SEEDS, trained on all images of classes 0-4 and on coresets of
# each share in SHARES (chosen every 2 epochs in random chunks of CHUNK images of a class, by
# SELECTION: wcraig, or random for the control of the same size), each then evaluated on the
# unseen classes 5-9. Prints one line per run: share, selection, Recall@1, mAP@R, training
# seconds, of which selection seconds. Finished runs (eval.json) are skipped; give the machine
# to it alone, since the times are the result.
# Usage: bash bench/scripts/dml_coreset.sh [SHARES] [CHUNK] [SELECTION] [SEEDS]
#   e.g. bash bench/scripts/dml_coreset.sh "1 0.1 0.3 0.5" 100 wcraig "1 2 3"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shares=(${1:-1 0.1 0.3 0.5})
chunk=${2:-100}
selection=${3:-wcraig}
seeds=(${4:-1})
out=${RESULTS_DIR:-runs/dml-coreset}
source "$root/bench/scripts/private-otk.sh"
private_otk "$root" "$out"
otk data fashion-mnist >/dev/null
for seed in "${seeds[@]}"; do
  for share in "${shares[@]}"; do
    if [[ "$share" == 1 ]]; then
      dir="$out/s$seed/all" subset=()
    else
      dir="$out/s$seed/share-$share-chunk-$chunk$([[ $selection == random ]] && echo -random || true)"
      subset=(--coreset "$share" --reselect 2 --coreset-chunk "$chunk" --coreset-selection "$selection")
    fi
    mkdir -p "$out/s$seed"
    [[ -f "$dir/eval.json" ]] && continue
    echo "dml_coreset: seed $seed, share $share ($selection) -> $dir" >&2
    otk dml train --dataset fashion --loss wtriplet --seed "$seed" --epochs 5 "${subset[@]}" --out "$dir" > "$dir.train.json"
    otk dml eval --dataset fashion --model "$dir/model.safetensors" > "$dir/eval.json.partial"
    /usr/bin/python3 - "$dir.train.json" "$dir/eval.json.partial" "$chunk" "$seed" <<'PY' > "$dir/eval.json.tmp"
import json, sys
train, evaluation = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
print(json.dumps({**train, **evaluation, "chunk": int(sys.argv[3]) if train["coreset"] < 1 else None, "seed": int(sys.argv[4])}))
PY
    mv "$dir/eval.json.tmp" "$dir/eval.json" && rm -f "$dir/eval.json.partial"
  done
done
cat "$out"/s*/*/eval.json > "$out/dml-coreset-runs.jsonl"
/usr/bin/python3 - "$out/dml-coreset-runs.jsonl" <<'PY'
import json, sys
for r in sorted((json.loads(line) for line in open(sys.argv[1])), key=lambda r: (r.get("seed", 1), r["coreset"], r.get("coreset_selection") or "")):
    selection = "all images" if r["coreset"] == 1 else r.get("coreset_selection") or "wcraig"
    print(f"seed {r.get('seed', 1)}, share {r['coreset']:.1f} ({selection}, chunk {r['chunk']}): R@1 {r['recall_at_1']:.4f}, mAP@R {r['map_at_r']:.4f},"
          f" training {r['seconds_all_epochs']:.0f} s, of which selection {r['coreset_seconds']:.0f} s")
PY
