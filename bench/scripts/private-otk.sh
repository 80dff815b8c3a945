# Sourced by the long experiment scripts: builds otk and keeps a private copy of it in
# DIR/otk (made once; delete it to take a newer build), so that rebuilding the tree during a
# run of hours changes nothing, and defines `otk` to run that copy.
# Usage: source bench/scripts/private-otk.sh; private_otk ROOT DIR
private_otk() {
  local root=$1 dir=$2
  mkdir -p "$dir"
  dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
  if [[ ! -d "$dir/otk" ]]; then
    rm -rf "$dir/otk.partial" && cp -r "$root/tools/OtKernels.Cli/bin/Release/net10.0" "$dir/otk.partial" && mv "$dir/otk.partial" "$dir/otk"
  fi
  PRIVATE_OTK="$dir/otk/otk.dll"
  otk() { dotnet "$PRIVATE_OTK" "$@"; }
}
