"""POT's ot.sinkhorn2 per pair on the point clouds of sinkhorn_clouds_vs_pot.sh.

Uniform weights, squared Euclidean cost, exactly ITERATIONS iterations of POT's default
(kernel-form) Sinkhorn (stopThr=0 so that it never stops early), timed warm (one untimed
pass). Writes POT's values (<P, C>) to OUT.npy. Run with /usr/bin/python3, OMP_NUM_THREADS=1.
With RHO (sinkhorn_clouds_vs_pot.sh PAIRS THREADS N RHO): ot.unbalanced.sinkhorn_unbalanced, b of mass 1.5,
on the cost C - eps log(a b^T) (the KL(P | a x b) regularisation of the engine in POT
0.8.2's entropy form); <P, C> computed after the clock stops.
"""
import sys, time, warnings
import numpy as np
import ot

def main(x_path, y_path, eps, iterations, out_path, rho=None):
    warnings.simplefilter("ignore")  # "did not converge" is expected: the count is fixed
    x, y = np.load(x_path), np.load(y_path)
    batch, n, m = x.shape[0], x.shape[1], y.shape[1]
    eps = float(eps)
    a, b = np.full(n, 1.0 / n), np.full(m, (1.0 if rho is None else 1.5) / m)
    costs = [ot.dist(x[k], y[k]) for k in range(batch)]
    if rho is None:
        name = "ot.sinkhorn2"
        solve = lambda M: ot.sinkhorn2(a, b, M, eps, numItermax=int(iterations), stopThr=0.0)
    else:
        name = f"ot.unbalanced.sinkhorn_unbalanced (rho {float(rho):g})"
        shift = eps * np.log(np.outer(a, b))
        solve = lambda M: ot.unbalanced.sinkhorn_unbalanced(a, b, M - shift, eps, float(rho), numItermax=int(iterations), stopThr=0.0)
    for M in costs[:100]:
        solve(M)
    start = time.perf_counter()
    results = [solve(M) for M in costs]
    seconds = time.perf_counter() - start
    values = np.array([float(r) if rho is None else float(np.sum(r * M)) for r, M in zip(results, costs)])
    np.save(out_path, values)
    print(f"POT {ot.__version__} {name}, {batch} pairs of {n} x {m} points, {iterations} iterations: {seconds:.3f} s: {batch / seconds:.0f} pairs/s on 1 thread")

if __name__ == "__main__":
    main(*sys.argv[1:7])
