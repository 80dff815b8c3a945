#!/usr/bin/env bash
# OtNet's Sgemm against NumPy's float32 matmul (Debian python3-numpy with
# libopenblas0-serial: single-threaded OpenBLAS) on the shapes the layers use, side by side:
# GFLOP/s of each and the ratio, otk on THREADS threads (default 1, like the serial BLAS).
#   bash bench/scripts/sgemm_vs_numpy.sh [threads=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
threads=${1:-1}
dotnet build "$root/bench/OtKernels.Bench" -c Release -v quiet -nologo >/dev/null
otk=$(dotnet "$root/bench/OtKernels.Bench/bin/Release/net10.0/OtKernels.Bench.dll" sgemm "$threads")
# NumPy runs the shapes otk printed, "(MxNxK[ A^T][ B^T])", so the list lives in one place
# (bench/OtKernels.Bench/SgemmRates.cs).
ref=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 - "$otk" <<'PY'
import re, sys, time
import numpy as np
rng = np.random.default_rng(1)
for line in sys.argv[1].splitlines():
    m, n, k = map(int, re.search(r"\((\d+)x(\d+)x(\d+)", line).groups())
    ta, tb = "A^T" in line, "B^T" in line
    a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.random((n, k) if tb else (k, n), dtype=np.float32)
    A, B = (a.T if ta else a), (b.T if tb else b)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(A, B, out=c)
    flops = 2.0 * m * n * k
    reps = max(1, int(0.4e9 / flops))
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps): np.matmul(A, B, out=c)
        best = min(best, (time.perf_counter() - t) / reps)
    print(f"{flops / best / 1e9:.1f}")
PY
)
paste <(echo "$otk") <(echo "$ref") | while IFS=$'\t' read -r line numpy; do
  mine=$(grep -o '[0-9.]* GFLOP/s' <<<"$line" | cut -d' ' -f1)
  echo "$line | numpy/OpenBLAS (1 thread): $numpy GFLOP/s | ratio $(awk -v a="$mine" -v b="$numpy" 'BEGIN { printf "%.2f", a / b }')"
done
