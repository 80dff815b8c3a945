#!/usr/bin/env bash
# Records a change to the public API: builds the packable projects, and adds every symbol
# the PublicApiAnalyzers report as new (RS0016) to that project's PublicAPI.Unshipped.txt and
# drops every one they report as gone (RS0017). Review the diff: it is the API change.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in src/OtKernels src/OtKernels.Autodiff src/OtKernels.Data src/OtKernels.Cluster src/OtNet; do
  dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 | grep -E "RS001[67]" >>"$log" || true
done
python3 - "$log" <<'PY'
import re, sys, pathlib, collections
adds, removes = collections.defaultdict(set), collections.defaultdict(set)
for line in open(sys.argv[1]):
    m = re.search(r"(RS001[67]): Symbol '(.*)' is (?:not part of|part of) the declared.*\[(.*)\.csproj\]", line)
    if not m: continue
    code, symbol, project = m.groups()
    (adds if code == "RS0016" else removes)[pathlib.Path(project).parent].add(symbol)
for folder in set(adds) | set(removes):
    path = folder / "PublicAPI.Unshipped.txt"
    lines = [l for l in path.read_text().splitlines() if l and l not in removes[folder] and l != "#nullable enable"]
    path.write_text("#nullable enable\n" + "\n".join(sorted(set(lines) | adds[folder])) + "\n")
    print(f"{path}: +{len(adds[folder])} -{len(removes[folder])}")
PY
