"""POT's entropic barycenter of the histograms A [count, bins] (uniform weights) on the cost
M [bins, bins], the same eps and stopping rule (stopThr 1e-4, numItermax 1000) as the
benchmark program's `barycenter-dense`: ot.bregman.barycenter with method='sinkhorn_log'
(the log domain, as otk) and method='sinkhorn' (the kernel form, POT's fastest). Prints
seconds and iterations of each; saves each barycenter as .npy.
Run with /usr/bin/python3, OMP_NUM_THREADS=1.
Usage: pot_barycenter_dense.py A.npy M.npy EPS OUT_PREFIX
"""
import sys, time, warnings
import numpy as np
import ot

def main(a_path, m_path, eps, prefix):
    warnings.simplefilter("ignore")
    A, M = np.load(a_path), np.load(m_path)
    for method in ("sinkhorn_log", "sinkhorn"):
        ot.bregman.barycenter(A.T, M, eps, method=method, stopThr=1e-4, numItermax=1000)  # warm
        start = time.perf_counter()
        bary, log = ot.bregman.barycenter(A.T, M, eps, method=method, stopThr=1e-4, numItermax=1000, log=True)
        seconds = time.perf_counter() - start
        print(f"pot {method} seconds {seconds:.4f} iterations {log['niter'] + 1}")
        np.save(f"{prefix}_{method}.npy", bary)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4])
