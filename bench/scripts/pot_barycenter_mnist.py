"""POT's entropic barycenters of the first COUNT training images of one MNIST class, the
same images, eps and stopping rule (stopThr 1e-4 on sum std of the marginals, checked every
10 iterations, numItermax 1000) as `otk barycenter`: ot.bregman.barycenter (kernel form,
cost in px^2) and ot.bregman.convolutional_barycenter2d (POT puts pixels on [0, 1], so its
reg is eps / (side - 1)^2). Prints seconds and iterations; saves each barycenter as .npy.
Run with /usr/bin/python3, OMP_NUM_THREADS=1.
Usage: pot_barycenter_mnist.py IMAGES LABELS DIGIT COUNT EPS OUT_PREFIX
"""
import sys, time, warnings
import numpy as np
import ot

def main(images_path, labels_path, digit, count, eps, prefix):
    warnings.simplefilter("ignore")
    images = np.frombuffer(open(images_path, "rb").read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    labels = np.frombuffer(open(labels_path, "rb").read(), dtype=np.uint8, offset=8)
    chosen = np.flatnonzero(labels == digit)[:count]
    A = images[chosen].astype(np.float64)
    A /= A.sum(axis=(1, 2), keepdims=True)
    grid = np.array([(r, c) for r in range(28) for c in range(28)], dtype=np.float64)
    M = ot.dist(grid, grid)
    start = time.perf_counter()
    bary, log = ot.bregman.barycenter(A.reshape(len(chosen), -1).T, M, eps, stopThr=1e-4, numItermax=1000, log=True)
    seconds = time.perf_counter() - start
    print(f"pot bregman seconds {seconds:.3f} iterations {log['niter'] + 1}")
    np.save(f"{prefix}_bregman.npy", bary.reshape(28, 28))
    start = time.perf_counter()
    bary, log = ot.bregman.convolutional_barycenter2d(A, eps / 27.0**2, stopThr=1e-4, numItermax=1000, log=True)
    seconds = time.perf_counter() - start
    print(f"pot convolutional seconds {seconds:.3f} iterations {log['niter'] + 1}")
    np.save(f"{prefix}_convolutional.npy", bary)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
