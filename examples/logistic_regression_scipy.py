"""L2-penalized logistic regression fitted by ``scipy.optimize.minimize`` with the gradient
from srcad: ``minimize(loss, w0, jac=srcad.grad(loss), method="L-BFGS-B")``.

The data are the two iris species that are hard to tell apart, versicolor and virginica
(100 flowers, four measurements each).  The loss is the negative log-likelihood written in
a numerically stable form with ``np.logaddexp``, plus an L2 penalty on the weights (not on
the intercept).  The same problem is solved a second time without ``jac``, so that scipy
estimates the gradient by finite differences, which costs one more evaluation of the loss
per coordinate and is less accurate.

Run ``python examples/logistic_regression_scipy.py``.
``SRCAD_EXAMPLE_SMALL=1 python examples/logistic_regression_scipy.py`` fits on the first
half of the flowers of each species only (the test suite runs it that way).  The data set
and its licence are described in examples/data/README.md.
"""

import os
import pathlib

import numpy as np
import scipy.optimize

import srcad

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"
DATA = pathlib.Path(__file__).parent / "data" / "iris.csv"


def load(per_class):
    """Standardized measurements and 0/1 labels (1 = virginica) of versicolor and virginica."""
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    species = table[:, 4].astype(int)
    rows = np.concatenate([np.flatnonzero(species == 1)[:per_class],
                           np.flatnonzero(species == 2)[:per_class]])
    X, labels = table[rows, :4], (species[rows] == 2).astype(float)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, labels


def loss(params, X, labels, penalty):
    """Mean negative log-likelihood of the logistic model, plus penalty/2 * |w|^2.

    params holds the weights followed by the intercept.  With z = X w + b, the likelihood
    of label 1 is sigmoid(z), so -log p(label) = log(1 + exp(z)) - label * z, computed
    as logaddexp(0, z) so that it neither overflows nor loses digits.
    """
    w, b = params[:-1], params[-1]
    z = X @ w + b
    nll = np.mean(np.logaddexp(0.0, z) - labels * z)
    return nll + 0.5 * penalty * np.sum(w * w)


def closed_form_gradient(params, X, labels, penalty):
    """The gradient written by hand, used only to check srcad's."""
    w, b = params[:-1], params[-1]
    residual = 1.0 / (1.0 + np.exp(-(X @ w + b))) - labels  # sigmoid(z) - label
    return np.append(X.T @ residual / len(labels) + penalty * w, np.mean(residual))


def main():
    per_class = 25 if SMALL else 50
    penalty = 0.01
    X, labels = load(per_class)
    w0 = np.zeros(X.shape[1] + 1)
    print(f"L2-penalized logistic regression, versicolor vs virginica: {len(labels)} flowers, "
          f"{len(w0)} parameters, penalty {penalty}")

    gradient = srcad.grad(loss)
    fit = scipy.optimize.minimize(loss, w0, args=(X, labels, penalty), jac=gradient,
                                  method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-9})
    g = gradient(fit.x, X, labels, penalty)
    gnorm = np.linalg.norm(g)
    by_hand = np.max(np.abs(g - closed_form_gradient(fit.x, X, labels, penalty)))
    accuracy = np.mean((X @ fit.x[:-1] + fit.x[-1] > 0.0) == (labels == 1.0))
    print("with jac=srcad.grad(loss):")
    print(f"  converged: {fit.success} ({fit.message})")
    print(f"  loss = {fit.fun:.10f}, iterations = {fit.nit}, loss evaluations = {fit.nfev}")
    print(f"  gradient norm = {gnorm:.2e}")
    print(f"  training accuracy = {accuracy:.3f}")
    print(f"  weights = {np.array2string(fit.x[:-1], precision=4)}, intercept = {fit.x[-1]:.4f}")
    print(f"  max |srcad gradient - hand-written gradient| = {by_hand:.1e}")

    # The same fit, with scipy's finite-difference gradient.
    plain = scipy.optimize.minimize(loss, w0, args=(X, labels, penalty), method="L-BFGS-B",
                                    options={"ftol": 1e-15, "gtol": 1e-9})
    print("without jac (finite differences):")
    print(f"  converged: {plain.success}, loss = {plain.fun:.10f}, iterations = {plain.nit}, "
          f"loss evaluations = {plain.nfev}")
    print(f"  gradient norm = {np.linalg.norm(gradient(plain.x, X, labels, penalty)):.2e}")
    print(f"max |difference of the two optima| = {np.max(np.abs(fit.x - plain.x)):.2e}")

    srcad.check_grads(loss, (fit.x + 0.1, X, labels, penalty))
    print("check_grads: the gradient agrees with finite differences")


if __name__ == "__main__":
    main()
