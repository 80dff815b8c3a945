#!/usr/bin/env bash
# Builds a folder (default .gpu/) that runs otk on a bare Linux GPU host: the published otk
# and the .NET runtime of this machine (xz, about 26 MB), with a launcher. The host needs
# only the NVIDIA driver (libcuda.so.1: ILGPU hands its own PTX to the driver, so no CUDA
# toolkit) or an OpenCL 2.0+ driver; no .NET. Copy the folder over and run, for example:
#   bash .gpu/otk.sh gpu check
#   bash .gpu/otk.sh bench kernels --accelerator cuda --pairs 1000000 --n 64 --d 16
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.gpu}
mkdir -p "$out"
dotnet publish tools/OtKernels.Cli -c Release -o "$out/otk" --nologo -v quiet
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
tar -C "$root" -cJf "$out/dotnet.tar.xz.partial" dotnet host shared/Microsoft.NETCore.App
mv "$out/dotnet.tar.xz.partial" "$out/dotnet.tar.xz"
cat > "$out/otk.sh" <<'LAUNCHER'
#!/usr/bin/env bash
# Runs the bundled otk on the bundled .NET runtime, unpacked once per user into a
# temporary folder (OTK_RUNTIME_DIR overrides), atomically so concurrent runs are safe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runtime=${OTK_RUNTIME_DIR:-${TMPDIR:-/tmp}/otk-dotnet-$(id -u)}
if [ ! -x "$runtime/dotnet" ]; then
  staging=$(mktemp -d "${runtime}.XXXXXX")
  tar -C "$staging" -xJf "$here/dotnet.tar.xz"
  mv -T "$staging" "$runtime" 2>/dev/null || rm -rf "$staging"
fi
export DOTNET_ROOT="$runtime" DOTNET_CLI_TELEMETRY_OPTOUT=1
exec "$runtime/dotnet" "$here/otk/otk.dll" "$@"
LAUNCHER
echo "gpu-bundle: $out ($(du -sh "$out" | cut -f1)); run: bash $out/otk.sh gpu check"
