#!/usr/bin/env bash
# Runs the library test suites N times (default 30), each with fresh FsCheck seeds, to find
# properties that fail only on some seeds. Build first (dotnet build -c Release); prints one
# line per failing run with its log, then a summary. Usage: bash tools/flake-audit.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
logs=$(mktemp -d)
failed=0
for r in $(seq 1 "$runs"); do
  for p in OtKernels.Tests OtKernels.Autodiff.Tests OtNet.Tests; do
    if ! dotnet test "tests/$p" -c Release --no-build >"$logs/$r-$p.log" 2>&1; then
      echo "run $r: $p failed ($logs/$r-$p.log)"
      failed=$((failed + 1))
    fi
  done
done
echo "flake audit: $runs runs of 3 suites, $failed failed"
[ "$failed" -eq 0 ]
