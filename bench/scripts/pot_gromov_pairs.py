"""POT's ot.gromov.entropic_gromov_wasserstein2 per pair on the clouds of gw_vs_pot.sh.

Square loss, uniform masses, structure matrices the clouds' Euclidean distances, POT's
defaults (start p q^T, tol 1e-9, max_iter 1000), timed warm (one untimed pass over the
first 10 pairs). Writes the values to OUT.npy. Run with /usr/bin/python3, OMP_NUM_THREADS=1.
"""
import sys, time, warnings
import numpy as np
import ot

def main(x_path, y_path, eps, out_path):
    warnings.simplefilter("ignore")
    x, y = np.load(x_path), np.load(y_path)
    batch, n, m = x.shape[0], x.shape[1], y.shape[1]
    p, q = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    spaces = [(ot.dist(x[k], x[k], metric="euclidean"), ot.dist(y[k], y[k], metric="euclidean")) for k in range(batch)]
    solve = lambda C1, C2: ot.gromov.entropic_gromov_wasserstein2(C1, C2, p, q, "square_loss", float(eps))
    for C1, C2 in spaces[:10]:
        solve(C1, C2)
    start = time.perf_counter()
    values = np.array([float(solve(C1, C2)) for C1, C2 in spaces])
    seconds = time.perf_counter() - start
    np.save(out_path, values)
    print(f"POT {ot.__version__} ot.gromov.entropic_gromov_wasserstein2, {batch} pairs of {n} x {m} points: {seconds:.3f} s: {batch / seconds:.1f} pairs/s on 1 thread")

if __name__ == "__main__":
    main(*sys.argv[1:5])
