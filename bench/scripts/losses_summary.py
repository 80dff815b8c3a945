#!/usr/bin/env python3
"""The tables of docs/RESULTS.md for `otk losses` from docs/results/losses-runs.jsonl (one
JSON line per run, written by bench/scripts/losses_table.sh): per data set, each loss's
mean and standard deviation over its seeds of the test accuracy, the mistake severity, the
expected ground cost and the top-3 cost, with the median training time.
Usage: python3 bench/scripts/losses_summary.py [docs/results/losses-runs.jsonl]"""
import json, statistics, sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "docs/results/losses-runs.jsonl"
runs = defaultdict(dict)
for line in open(path):
    r = json.loads(line)
    runs[r["spec"]][r["seed"]] = r  # a rerun of a seed replaces the earlier line

def cell(values, digits):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"

for dataset, title in (("mnist", "MNIST, labels on the chain 0-1-...-9 (d = |i - j|)"),
                       ("fashion", "Fashion-MNIST, labels on data/fashion-mnist.tree (d = 2 inside a group, 4 across)")):
    specs = [s for s in runs if s.startswith(dataset + ":")]
    if not specs:
        continue
    print(f"\n{title}\n")
    print("| loss | seeds | accuracy | mistake severity | expected cost | top-3 cost | training (s, median) |")
    print("|---|---|---|---|---|---|---|")
    for spec in specs:
        rs = list(runs[spec].values())
        name = spec.split(":", 1)[1].replace(":", " p=")
        print(f"| {name} | {len(rs)} | {cell([r['accuracy'] for r in rs], 4)} | {cell([r['mistake_severity'] for r in rs], 3)} | "
              f"{cell([r['expected_cost'] for r in rs], 3)} | {cell([r['top_k_cost'][2] for r in rs], 3)} | "
              f"{statistics.median(r['train_seconds'] for r in rs):.0f} |")
