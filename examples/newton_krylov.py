"""Hessian-free Newton ("Newton-Krylov", "truncated Newton") on the extended Rosenbrock
function, written with a Python loop.

Each Newton step solves H p = -g by conjugate gradients.  CG only needs products H v,
and ``srcad.hvp`` computes them forward-over-reverse without ever forming H, so the
optimizer below contains no hand-written derivative.  The closed-form Hessian appears
once, at the end, to check srcad's Hessian-vector products.

Run ``python examples/newton_krylov.py [n]`` (n even, default 20).
``SRCAD_EXAMPLE_SMALL=1 python examples/newton_krylov.py`` takes n = 6 (the test suite runs
it that way).
"""

import os
import sys

import numpy as np

import srcad

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"


def rosenbrock(x):
    """Extended Rosenbrock: n/2 independent copies of the 2-d banana, minimum 0 at all ones.

    (The "chained" variant, which couples every x[i] with x[i + 1], has a second local
    minimum near x[0] = -1 that Newton finds from the start used below.)
    """
    total = 0.0
    for i in range(0, len(x), 2):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


# srcad writes both derivatives from the source of `rosenbrock`, loop included.
gradient = srcad.grad(rosenbrock)   # x -> g
hess_vec = srcad.hvp(rosenbrock)    # (x, v) -> H(x) @ v, H never formed


def conjugate_gradients(x, g, tol, max_iter):
    """Approximately solve H(x) p = -g using only products H(x) @ d.

    Returns (p, number of H-products, whether negative curvature stopped CG).
    """
    p = np.zeros_like(g)
    r = -g                  # residual -g - H p, with p = 0
    d = r.copy()            # search direction
    rr = r @ r
    for k in range(1, max_iter + 1):
        Hd = hess_vec(x, d)
        curvature = d @ Hd
        if curvature <= 1e-12 * (d @ d):
            # H is not positive definite along d: the quadratic model has no minimum
            # there.  Stop, and keep the descent direction built so far (steepest
            # descent if there is none yet).
            return (p if k > 1 else -g), k, True
        alpha = rr / curvature
        p = p + alpha * d
        r = r - alpha * Hd
        rr_new = r @ r
        if np.sqrt(rr_new) <= tol:
            return p, k, False
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, max_iter, False


def newton_krylov(f, x, gtol=1e-10, max_newton=50):
    """Minimize f from x; returns (x, Newton iterations, total H-products)."""
    print(f"{'iter':>4}  {'f(x)':>12}  {'|g|':>10}  {'CG its':>6}  {'step':>6}")
    total_hvp = 0
    for it in range(max_newton + 1):
        fx, g = f(x), gradient(x)
        gnorm = np.linalg.norm(g)
        if gnorm <= gtol:
            print(f"{it:4d}  {fx:12.4e}  {gnorm:10.2e}  converged")
            return x, it, total_hvp
        # Inexact Newton: stop CG once |H p + g| <= eta |g|, with eta shrinking like |g|
        # near the solution, which keeps Newton's quadratic convergence.  (The looser
        # textbook eta = min(0.5, sqrt|g|) takes about 65 iterations here: its first, nearly
        # steepest-descent step lands where H is indefinite, and Newton then crawls.)
        # CG needs at most 2 products per step on this function: all pairs start equal,
        # so H is the same 2x2 block repeated, with only 2 distinct eigenvalues.
        eta = min(0.01, gnorm)
        p, cg_its, negative = conjugate_gradients(x, g, eta * gnorm, max_iter=2 * len(x))
        total_hvp += cg_its
        # Backtracking (Armijo) line search: halve the step until f decreases enough.
        step, slope = 1.0, g @ p
        while f(x + step * p) > fx + 1e-4 * step * slope and step > 1e-10:
            step *= 0.5
        print(f"{it:4d}  {fx:12.4e}  {gnorm:10.2e}  {cg_its:6d}  {step:6.3f}"
              + ("  (negative curvature)" if negative else ""))
        x = x + step * p
    raise RuntimeError(f"no convergence in {max_newton} Newton iterations")


def rosenbrock_hessian(x):
    """The closed-form Hessian, written by hand, used only to check srcad."""
    H = np.zeros((len(x), len(x)))
    for i in range(0, len(x), 2):
        H[i, i] = 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i, i + 1] = H[i + 1, i] = -400.0 * x[i]
        H[i + 1, i + 1] = 200.0
    return H


def main(n=20):
    # The classic start: (-1.2, 1) in every pair.
    x0 = np.tile([-1.2, 1.0], n // 2)
    print(f"Hessian-free Newton on the extended Rosenbrock function, n = {n}")
    x, iterations, n_hvp = newton_krylov(rosenbrock, x0)
    print(f"Newton iterations: {iterations}, Hessian-vector products: {n_hvp}")
    print(f"max |x - 1| = {np.max(np.abs(x - 1.0)):.3e}")

    # srcad's H @ v against the closed form, at the start and at a random point.
    rng = np.random.default_rng(0)
    worst = 0.0
    for point in (x0, rng.normal(size=n)):
        for _ in range(3):
            v = rng.normal(size=n)
            diff = np.max(np.abs(hess_vec(point, v) - rosenbrock_hessian(point) @ v))
            worst = max(worst, diff)
    print(f"max |hvp(x, v) - H(x) @ v| against the closed-form Hessian = {worst:.3e}")

    # The gradient, and the derivatives of the gradient (the Hessian, in reverse and
    # forward mode), against central finite differences at a random point.
    srcad.check_grads(rosenbrock, (rng.normal(size=n),), order=2)
    print("check_grads: first and second derivatives agree with finite differences")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6 if SMALL else 20)
