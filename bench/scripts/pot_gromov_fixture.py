"""Entropic (fused) Gromov-Wasserstein problems solved by POT, the reference the tests compare against.

Writes tests/OtKernels.Tests/Entropic/pot_gromov.json: for each case the masses p, q, the
structure matrices C1, C2 (distances within two random point clouds, scaled to at most 1;
plus 0.1 for the KL loss, whose log needs C2 > 0), the loss, eps, and POT's value from
ot.gromov.entropic_gromov_wasserstein2 (start p q^T, tol 1e-9). POT 0.8.2 has no entropic
fused GW; the fused cases run POT's own pieces (init_matrix, gwggrad, ot.sinkhorn, gwloss)
in the loop of its later entropic_fused_gromov_wasserstein, with its stopping rule.
Run: OMP_NUM_THREADS=1 /usr/bin/python3 bench/scripts/pot_gromov_fixture.py
"""
import json, pathlib
import numpy as np
import ot
from ot.gromov import init_matrix, gwggrad, gwloss

def fused(M, C1, C2, p, q, loss, eps, alpha, max_iter=1000, tol=1e-9):
    T = np.outer(p, q)
    constC, hC1, hC2 = init_matrix(C1, C2, p, q, loss)
    for it in range(max_iter):
        previous = T
        T = ot.sinkhorn(p, q, alpha * gwggrad(constC, hC1, hC2, T) + (1 - alpha) * M, eps, method="sinkhorn")
        if it % 10 == 0 and np.linalg.norm(T - previous) <= tol:
            break
    return (1 - alpha) * float(np.sum(M * T)) + alpha * float(gwloss(constC, hC1, hC2, T))

def case(rng, n, m, loss, eps, alpha=None):
    x, y = rng.random((n, 2)), rng.random((m, 3))
    C1, C2 = ot.dist(x, x, metric="euclidean"), ot.dist(y, y, metric="euclidean")
    C1, C2 = C1 / C1.max(), C2 / C2.max()
    if loss == "kl_loss":
        C1, C2 = C1 + 0.1, C2 + 0.1
    p, q = rng.random(n) + 0.2, rng.random(m) + 0.2
    p, q = p / p.sum(), q / q.sum()
    entry = dict(loss=loss, eps=eps, p=p.tolist(), q=q.tolist(), c1=C1.ravel().tolist(), c2=C2.ravel().tolist())
    if alpha is None:
        entry["value"] = float(ot.gromov.entropic_gromov_wasserstein2(C1, C2, p, q, loss, eps))
    else:
        M = ot.dist(x, y[:, :2])
        entry.update(alpha=alpha, features=M.ravel().tolist(), value=fused(M, C1, C2, p, q, loss, eps, alpha))
    return entry

def main():
    rng = np.random.default_rng(2016)
    cases = [case(rng, *args) for args in [
        (8, 6, "square_loss", 0.05), (12, 10, "square_loss", 0.02), (5, 9, "square_loss", 0.1),
        (7, 7, "kl_loss", 0.05), (10, 6, "kl_loss", 0.1),
        (9, 8, "square_loss", 0.05, 0.5), (6, 10, "kl_loss", 0.05, 0.3)]]
    out = pathlib.Path(__file__).resolve().parents[2] / "tests/OtKernels.Tests/Entropic/pot_gromov.json"
    out.write_text(json.dumps(dict(pot=ot.__version__, cases=cases), indent=1) + "\n")
    print(f"wrote {len(cases)} cases from POT {ot.__version__} to {out}")

if __name__ == "__main__":
    main()
