"""PyTorch reference for `otk bench kernels`: the same batched log-domain Sinkhorn on point
clouds (squared Euclidean cost, L fixed iterations from g = 0, f then g, value <a,f> + <b,g>)
written the usual way, with torch.logsumexp over [B, n, m] cost tensors, and its reverse
pass by autograd through the unrolled loop (gradients w.r.t. x, y, a, b). Prints one line
per measurement: `torch <what> pairs/s <rate>`; fastest of --repeats after a warm-up.

Usage: python3 torch_sinkhorn_clouds.py --pairs 1000000 --n 64 --d 16 --iterations 50
"""
import argparse
import time

import torch


def sinkhorn(x, y, a, b, eps, iterations):
    cost = torch.cdist(x, y).square()  # [B, n, m]
    log_a, log_b = a.log(), b.log()
    g = torch.zeros_like(b)
    for _ in range(iterations):
        f = -eps * torch.logsumexp((g[:, None, :] - cost) / eps + log_b[:, None, :], dim=2)
        g = -eps * torch.logsumexp((f[:, :, None] - cost) / eps + log_a[:, :, None], dim=1)
    return (a * f).sum(1) + (b * g).sum(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--d", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-gb", type=float, default=40.0, help="budget for one chunk's tensors")
    args = parser.parse_args()
    device = torch.device("cuda")
    torch.manual_seed(42)
    n, d, L = args.n, args.d, args.iterations
    # Autograd keeps about three [chunk, n, n] float tensors per iteration.
    chunk = max(1, min(args.pairs, int(args.memory_gb * 1e9 / (4 * 3 * (L + 1) * n * n))))
    x = torch.rand(chunk, n, d, device=device)
    y = torch.rand(chunk, n, d, device=device)
    a = torch.rand(chunk, n, device=device) + 0.1
    b = torch.rand(chunk, n, device=device) + 0.1
    a, b = a / a.sum(1, keepdim=True), b / b.sum(1, keepdim=True)
    chunks = (args.pairs + chunk - 1) // chunk
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: {args.pairs} pairs as {chunks} chunks of {chunk}, "
          f"{n} x {n} points in R^{d}, {L} iterations")

    def forward():
        with torch.no_grad():
            for _ in range(chunks):
                sinkhorn(x, y, a, b, args.epsilon, L)

    def forward_backward():
        for _ in range(chunks):
            xs, ys = x.clone().requires_grad_(), y.clone().requires_grad_()
            as_, bs = a.clone().requires_grad_(), b.clone().requires_grad_()
            sinkhorn(xs, ys, as_, bs, args.epsilon, L).sum().backward()

    for name, run in (("forward", forward), ("forward+backward", forward_backward)):
        run()
        torch.cuda.synchronize()
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            torch.cuda.synchronize()
            best = min(best, time.perf_counter() - start)
        print(f"torch {name} pairs/s {chunks * chunk / best:.0f}")


if __name__ == "__main__":
    main()
