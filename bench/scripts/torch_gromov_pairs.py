"""PyTorch reference for the GPU run of `gw-pairs`: batched entropic Gromov-Wasserstein
(square loss) on the clouds of X.npy [B, n, d1] and Y.npy [B, m, d2], written the usual way
on [B, n, m] tensors in float32: uniform masses, structure matrices torch.cdist of each
cloud, the start p q^T, each outer step tens(T) = C1^2 p 1^T + 1 q^T C2^2 - 2 C1 T C2 (PCS
2016, Prop. 1, two batched matmuls) and a log-domain Sinkhorn on 2 tens(T) with
torch.logsumexp, warm-started, checked every 10 iterations against the row marginals
(error <= INNER_TOL) and stopped at 1000; a problem stops when its coupling changes by at
most TOL (Frobenius) and is then frozen while the batch runs on. Timed after one untimed
pass; writes the values <2 tens(T) / 2, T> to OUT.npy and prints one line with pairs/s.
Float32 cannot resolve POT's 1e-9: the defaults are 1e-7 and 1e-6.

Usage: python3 torch_gromov_pairs.py X.npy Y.npy EPS OUT.npy [TOL] [INNER_TOL]
"""
import sys
import time

import numpy as np
import torch


def solve(c1, c2, eps, tol, inner_tol, max_outer=1000, max_inner=1000):
    batch, n, m = c1.shape[0], c1.shape[1], c2.shape[1]
    p = torch.full((batch, n), 1.0 / n, device=c1.device)
    q = torch.full((batch, m), 1.0 / m, device=c1.device)
    log_p, log_q = p.log(), q.log()
    const = (c1.square() @ p[:, :, None]) + (c2.square() @ q[:, :, None]).transpose(1, 2)  # [B, n, m]
    plan = p[:, :, None] * q[:, None, :]
    f, g = torch.zeros_like(p), torch.zeros_like(q)
    active = torch.ones(batch, dtype=torch.bool, device=c1.device)
    outer = torch.zeros(batch, device=c1.device)
    for _ in range(max_outer):
        cost = 2 * (const - 2 * c1 @ plan @ c2)
        for k in range(max_inner):
            f = -eps * torch.logsumexp((g[:, None, :] - cost) / eps + log_q[:, None, :], dim=2)
            g = -eps * torch.logsumexp((f[:, :, None] - cost) / eps + log_p[:, :, None], dim=1)
            if k % 10 == 9:
                rows = torch.exp((f[:, :, None] + g[:, None, :] - cost) / eps + log_p[:, :, None] + log_q[:, None, :]).sum(2)
                if (rows - p).abs().sum(1).max() <= inner_tol:
                    break
        new = torch.exp((f[:, :, None] + g[:, None, :] - cost) / eps + log_p[:, :, None] + log_q[:, None, :])
        change = (new - plan).flatten(1).norm(dim=1)
        plan = torch.where(active[:, None, None], new, plan)
        outer += active.float()
        active &= change > tol
        if not active.any():
            break
    tens = const - 2 * c1 @ plan @ c2
    return (tens * plan).sum((1, 2)), outer.mean().item()


def main(x_path, y_path, eps, out_path, tol="1e-7", inner_tol="1e-6"):
    device = torch.device("cuda")
    x = torch.tensor(np.load(x_path), dtype=torch.float32, device=device)
    y = torch.tensor(np.load(y_path), dtype=torch.float32, device=device)
    c1, c2 = torch.cdist(x, x), torch.cdist(y, y)
    run = lambda: solve(c1, c2, float(eps), float(tol), float(inner_tol))
    run()
    torch.cuda.synchronize()
    start = time.perf_counter()
    values, outer = run()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    np.save(out_path, values.double().cpu().numpy())
    batch, n, m = x.shape[0], x.shape[1], y.shape[1]
    print(f"torch {torch.__version__} entropic GW, {batch} pairs of {n} x {m} points, {outer:.1f} outer iterations on average: "
          f"{seconds:.3f} s: {batch / seconds:.1f} pairs/s on {torch.cuda.get_device_name()}")


if __name__ == "__main__":
    main(*sys.argv[1:])
