#!/usr/bin/env bash
# Builds a folder (default .gpu/) that runs otk and the benchmark program on a bare Linux GPU
# host: each published and packed with xz (the benchmark program carries BenchmarkDotNet),
# the .NET runtime of this machine packed the same way, and a launcher for each; about 40 MB
# in all, under the device tool's 64 MiB carry limit. The host needs only the NVIDIA driver
# (libcuda.so.1: ILGPU hands its own PTX to the driver, so no CUDA toolkit) or an OpenCL
# 2.0+ driver; no .NET. Copy the folder over and run, for example:
#   bash .gpu/otk.sh gpu check
#   bash .gpu/bench.sh kernels --accelerator cuda --pairs 1000000 --n 64 --d 16
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.gpu}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dotnet publish tools/OtKernels.Cli -c Release -o "$stage/otk" --nologo -v quiet
dotnet publish bench/OtKernels.Bench -c Release -o "$stage/bench" --nologo -v quiet
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
# pack FILE ARGS...: tar -cJ into FILE atomically.
pack() { local file=$1; shift; tar -cJf "$file.partial" "$@"; mv "$file.partial" "$file"; }
pack "$out/dotnet.tar.xz" -C "$root" dotnet host shared/Microsoft.NETCore.App
pack "$out/otk.tar.xz" -C "$stage/otk" .
pack "$out/bench.tar.xz" -C "$stage/bench" .
# launcher NAME DLL: $out/NAME.sh runs DLL of NAME.tar.xz on the bundled runtime.
launcher() {
  sed -e "s|@NAME@|$1|g" -e "s|@DLL@|$2|g" > "$out/$1.sh" <<'LAUNCHER'
#!/usr/bin/env bash
# Runs the bundled @NAME@ on the bundled .NET runtime. Each archive is unpacked once per user
# into a temporary folder (OTK_RUNTIME_DIR overrides its root), keyed by the archive's
# checksum so that a new bundle is never run from an old copy, and atomically so that
# concurrent runs are safe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${OTK_RUNTIME_DIR:-${TMPDIR:-/tmp}/otk-bundle-$(id -u)}
unpacked() {
  local dir="$root/$1-$(cksum < "$here/$1.tar.xz" | cut -d' ' -f1)"
  if [ ! -e "$dir/.whole" ]; then
    mkdir -p "$root"
    local staging
    staging=$(mktemp -d "$dir.XXXXXX")
    tar -C "$staging" -xJf "$here/$1.tar.xz" && touch "$staging/.whole"
    mv -T "$staging" "$dir" 2>/dev/null || rm -rf "$staging"
  fi
  echo "$dir"
}
runtime=$(unpacked dotnet)
program=$(unpacked @NAME@)
export DOTNET_ROOT="$runtime" DOTNET_CLI_TELEMETRY_OPTOUT=1
exec "$runtime/dotnet" "$program/@DLL@" "$@"
LAUNCHER
}
launcher otk otk.dll
launcher bench OtKernels.Bench.dll
echo "gpu-bundle: $out ($(du -sh "$out" | cut -f1)); run: bash $out/otk.sh gpu check"
