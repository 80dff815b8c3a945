"""Unbalanced entropic OT problems solved by POT, the reference the tests compare against.

Writes tests/OtKernels.Tests/Entropic/pot_unbalanced.json: for each case the weights a, b
(unequal sums), the points x, y in R^2 (squared Euclidean cost) or a dense cost, eps, rho,
and POT's plan and primal objective
    <P, C> + eps KL(P | a x b) + rho KL(P 1 | a) + rho KL(P^T 1 | b)   (generalised KL).
POT 0.8.2's ot.unbalanced.sinkhorn_unbalanced regularises with the entropy of P alone; the
engine (as GeomLoss, OTT-JAX and Sejourne et al. 2019) with KL(P | a x b). The two agree on
the cost C - eps log(a_i b_j), which is what POT is given (its reg_type='kl' in later
versions). Run: OMP_NUM_THREADS=1 /usr/bin/python3 bench/scripts/pot_unbalanced_fixture.py
"""
import json, pathlib, sys
import numpy as np
import ot

def kl(p, q):
    return float(np.sum(p * np.log(p / q) - p + q))

def case(rng, n, m, eps, rho, dense):
    a = rng.random(n) * 0.8 + 0.05
    b = rng.random(m) * 1.3 + 0.05
    entry = dict(eps=eps, rho=rho, a=a.tolist(), b=b.tolist())
    if dense:
        cost = rng.random((n, m))
        entry["cost"] = cost.ravel().tolist()
    else:
        x, y = rng.random((n, 2)), rng.random((m, 2)) + 0.25
        cost = ot.dist(x, y)
        entry.update(x=x.ravel().tolist(), y=y.ravel().tolist())
    plan = ot.unbalanced.sinkhorn_unbalanced(a, b, cost - eps * np.log(np.outer(a, b)), eps, rho,
                                             numItermax=1_000_000, stopThr=1e-16)
    primal = float(np.sum(plan * cost)) + eps * kl(plan, np.outer(a, b)) + rho * kl(plan.sum(1), a) + rho * kl(plan.sum(0), b)
    entry.update(plan=plan.ravel().tolist(), primal=primal)
    return entry

def main():
    rng = np.random.default_rng(2019)
    cases = [case(rng, n, m, eps, rho, dense) for (n, m, eps, rho, dense) in [
        (7, 5, 0.05, 0.3, False), (12, 9, 0.1, 1.0, False), (20, 16, 0.05, 0.05, False),
        (5, 11, 0.5, 10.0, False), (9, 9, 0.2, 0.5, True), (1, 6, 0.1, 0.2, True)]]
    out = pathlib.Path(__file__).resolve().parents[2] / "tests/OtKernels.Tests/Entropic/pot_unbalanced.json"
    out.write_text(json.dumps(dict(pot=ot.__version__, cases=cases), indent=1) + "\n")
    print(f"wrote {len(cases)} cases from POT {ot.__version__} to {out}")

if __name__ == "__main__":
    main()
