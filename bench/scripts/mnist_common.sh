# Sourced by the MNIST comparisons: builds otk and the bench in Release, makes sure MNIST is
# cached, and writes N fixed training pairs (a linear congruential sequence over the 60,000
# images, seed 12345) to a CSV with the header i,j.
#   mnist_prepare ROOT PAIRS OUT.csv      sets $images to the training-images IDX file
mnist_prepare() {
  local root=$1 pairs=$2 out=$3
  dotnet build "$root/tools/OtKernels.Cli" -c Release -v quiet -nologo >/dev/null
  dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
  dotnet "$root/tools/OtKernels.Cli/bin/Release/net10.0/otk.dll" data mnist >/dev/null
  images=${OTK_DATA:-$HOME/.cache/otkernels}/mnist/train-images-idx3-ubyte
  /usr/bin/python3 - "$pairs" > "$out" <<'PY'
import sys
n = int(sys.argv[1]); s = 12345
print("i,j")
for _ in range(n):
    s = (1103515245 * s + 12345) % 2**31; i = s % 60000
    s = (1103515245 * s + 12345) % 2**31; j = s % 60000
    print(f"{i},{j}")
PY
}
