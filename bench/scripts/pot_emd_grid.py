"""POT's network simplex (ot.emd2) on the smooth grid densities of `OtKernels.Bench grid-w2`.

Reads the float64 inputs [pairs, 2, size^2], builds the squared Euclidean cost in pixel
units once (outside the timing), solves each pair once untimed and once timed, and prints
pairs/s, the peak resident memory, and each pair's value and milliseconds. Run with /usr/bin/python3 and
OMP_NUM_THREADS=1 (Debian python3-pot).
"""
import resource, sys, time
import numpy as np
import ot

def main(size, pairs, inputs_path, timed_pairs):
    size, pairs, timed_pairs = int(size), int(pairs), int(timed_pairs)
    data = np.fromfile(inputs_path, dtype="<f8").reshape(pairs, 2, size * size)[:timed_pairs]
    grid = np.array([(r, c) for r in range(size) for c in range(size)], dtype=np.float64)
    M = ot.dist(grid, grid, metric="sqeuclidean")
    solve = lambda a, b: ot.emd2(a, b, M, numItermax=100_000_000)
    solve(data[0, 0], data[0, 1])  # warm-up, as on the otk side
    values, times = [], []
    for a, b in data:
        start = time.perf_counter()
        values.append(solve(a, b))
        times.append((time.perf_counter() - start) * 1e3)
    seconds = sum(times) / 1e3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"POT {ot.__version__} ot.emd2, {size}x{size} grid: {len(data)} pairs in {seconds:.3f} s: {len(data) / seconds:.3f} pairs/s, {seconds / len(data) * 1e3:.1f} ms/pair, peak resident {peak:.0f} MB")
    print("POT values: " + " ".join(repr(float(v)) for v in values))
    print("POT ms: " + " ".join(f"{t:.3f}" for t in times))

if __name__ == "__main__":
    main(*sys.argv[1:])
