"""Fitting the four parameters of the Lotka-Volterra predator-prey equations to noisy
observations, differentiating straight through an explicit Euler integrator written as a
Python ``for`` loop.

    prey' = alpha * prey - beta * prey * predators
    predators' = delta * prey * predators - gamma * predators

Observations are generated from known "true" parameters (one noisy measurement of both
populations every 0.5 time units), then the parameters are recovered from a guess 20 to
30 % off by ``scipy.optimize.minimize(misfit, guess, jac=srcad.grad(misfit))``.  The
gradient of the misfit comes from the source of ``simulate``: srcad's derivative replays
the loop backwards, taking the states it needs from a stack (see docs/guide.md, "Loops and
branches in the derivative").

Run ``python examples/ode_fit.py``.  ``SRCAD_EXAMPLE_SMALL=1 python examples/ode_fit.py``
integrates over a shorter time span with larger steps (the test suite runs it that way).
"""

import os

import numpy as np
import scipy.optimize

import srcad

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"
NAMES = ("alpha", "beta", "gamma", "delta")
TRUE = np.array([1.0, 0.5, 1.5, 0.75])
START = (2.0, 1.0)  # prey, predators at t = 0


def simulate(theta, steps, dt, every):
    """Explicit Euler from START; returns the populations every `every` steps, one row each."""
    alpha, beta, gamma, delta = theta[0], theta[1], theta[2], theta[3]
    prey, predators = START
    observed = np.zeros((steps // every, 2))
    for i in range(steps):
        growth = alpha * prey - beta * prey * predators
        decline = delta * prey * predators - gamma * predators
        prey = prey + dt * growth
        predators = predators + dt * decline
        if (i + 1) % every == 0:
            row = (i + 1) // every - 1
            observed[row, 0] = prey
            observed[row, 1] = predators
    return observed


def misfit(theta, data, steps, dt, every):
    """Half the sum of squared differences between the simulation and the observations."""
    return 0.5 * np.sum((simulate(theta, steps, dt, every) - data) ** 2)


def main():
    # 10 time units (about two and a half periods), in 2000 steps, or 500 when small.
    t_end, dt = (10.0, 0.02) if SMALL else (10.0, 0.005)
    steps, every = round(t_end / dt), round(0.5 / dt)
    rng = np.random.default_rng(1)
    clean = simulate(TRUE, steps, dt, every)
    data = clean + rng.normal(scale=0.05, size=clean.shape)
    print(f"Lotka-Volterra by explicit Euler: {steps} steps of {dt}, "
          f"{len(data)} noisy observations of both populations")

    guess = TRUE * np.array([1.3, 0.8, 0.75, 1.25])
    gradient = srcad.grad(misfit)
    fit = scipy.optimize.minimize(misfit, guess, args=(data, steps, dt, every), jac=gradient,
                                  method="L-BFGS-B", bounds=[(1e-3, None)] * 4,
                                  options={"ftol": 1e-14, "gtol": 1e-8})
    gnorm = np.linalg.norm(gradient(fit.x, data, steps, dt, every))
    print(f"converged: {fit.success} ({fit.message})")
    print(f"misfit: {misfit(guess, data, steps, dt, every):.4f} at the guess, "
          f"{fit.fun:.4f} fitted, {misfit(TRUE, data, steps, dt, every):.4f} at the truth")
    print(f"iterations = {fit.nit}, misfit evaluations = {fit.nfev}, gradient norm = {gnorm:.1e}")
    print(f"{'parameter':>10} {'true':>8} {'guess':>8} {'fitted':>8}")
    for name, true, first, fitted in zip(NAMES, TRUE, guess, fit.x):
        print(f"{name:>10} {true:8.4f} {first:8.4f} {fitted:8.4f}")
    print(f"max relative error of the fitted parameters = "
          f"{np.max(np.abs(fit.x - TRUE) / TRUE):.4f}")

    # The gradient through the whole loop against central finite differences, at the guess.
    srcad.check_grads(misfit, (guess, data, steps, dt, every))
    print("check_grads: the gradient agrees with finite differences")


if __name__ == "__main__":
    main()
