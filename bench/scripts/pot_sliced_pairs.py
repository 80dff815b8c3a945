"""POT's ot.sliced_wasserstein_distance per pair on the clouds of sliced_vs_pot.sh.

Uniform masses, p = 2, the directions THETA [L, d] passed as POT's projections ([d, L]),
timed warm (one untimed pass over the first 100 pairs). Writes the values to OUT.npy. Run
with /usr/bin/python3, OMP_NUM_THREADS=1.
"""
import sys, time
import numpy as np
import ot

def main(x_path, y_path, theta_path, out_path):
    x, y, theta = np.load(x_path), np.load(y_path), np.load(theta_path)
    batch, n, m = x.shape[0], x.shape[1], y.shape[1]
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    projections = np.ascontiguousarray(theta.T)
    solve = lambda k: ot.sliced_wasserstein_distance(x[k], y[k], a, b, projections=projections, p=2)
    for k in range(min(batch, 100)):
        solve(k)
    start = time.perf_counter()
    values = np.array([float(solve(k)) for k in range(batch)])
    seconds = time.perf_counter() - start
    np.save(out_path, values)
    print(f"POT {ot.__version__} ot.sliced_wasserstein_distance, {batch} pairs of {n} x {m} points in R^{x.shape[2]}, {theta.shape[0]} directions: {seconds:.3f} s: {batch / seconds:.0f} pairs/s on 1 thread")

if __name__ == "__main__":
    main(*sys.argv[1:5])
