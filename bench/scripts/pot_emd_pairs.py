"""POT's network simplex (ot.emd2) on the inputs of the benchmark program's `grid-w2` and
`cloud-w2` (bench/OtKernels.Bench/ExactPairs.cs), the reference for the sparse multiscale path.

    pot_emd_pairs.py grid SIZE PAIRS INPUTS TIMED_PAIRS
    pot_emd_pairs.py cloud POINTS DIMENSION PAIRS INPUTS TIMED_PAIRS

grid: densities on a SIZE x SIZE grid, the squared Euclidean cost in pixel units built once
outside the timing. cloud: uniformly weighted clouds, each pair's cost matrix (ot.dist,
squared Euclidean) built inside the timing, as a user must. Solves the first pair once
untimed, then TIMED_PAIRS pairs timed; prints pairs/s, the peak resident memory, and each
pair's value and milliseconds. Run with /usr/bin/python3 and OMP_NUM_THREADS=1 (Debian
python3-pot).
"""
import resource, sys, time
import numpy as np
import ot

def main(kind, *args):
    if kind == "grid":
        size, pairs, path, timed = int(args[0]), int(args[1]), args[2], int(args[3])
        data = np.fromfile(path, dtype="<f8").reshape(pairs, 2, size * size)[:timed]
        grid = np.array([(r, c) for r in range(size) for c in range(size)], dtype=np.float64)
        M = ot.dist(grid, grid, metric="sqeuclidean")
        solve = lambda pair: ot.emd2(pair[0], pair[1], M, numItermax=100_000_000)
        what = f"{size}x{size} grid"
    else:
        points, d, pairs, path, timed = int(args[0]), int(args[1]), int(args[2]), args[3], int(args[4])
        data = np.fromfile(path, dtype="<f8").reshape(pairs, 2, points, d)[:timed]
        uniform = np.full(points, 1.0 / points)
        solve = lambda pair: ot.emd2(uniform, uniform, ot.dist(pair[0], pair[1], metric="sqeuclidean"), numItermax=100_000_000)
        what = f"{points} points in {d}-D"
    solve(data[0])  # warm-up, as on the otk side
    values, times = [], []
    for pair in data:
        start = time.perf_counter()
        values.append(solve(pair))
        times.append((time.perf_counter() - start) * 1e3)
    seconds = sum(times) / 1e3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"POT {ot.__version__} ot.emd2, {what}: {len(data)} pairs in {seconds:.3f} s: {len(data) / seconds:.3f} pairs/s, {seconds / len(data) * 1e3:.1f} ms/pair, peak resident {peak:.0f} MB")
    print("POT values: " + " ".join(repr(float(v)) for v in values))
    print("POT ms: " + " ".join(f"{t:.3f}" for t in times))

if __name__ == "__main__":
    main(*sys.argv[1:])
