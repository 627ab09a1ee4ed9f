"""Gradients generated ahead of time: the rest shape of a hanging chain of springs.

``examples/generated/grad_springs.py`` was written by

    srcad generate examples/models/springs.py:energy -o examples/generated/grad_springs.py

and is committed.  It is plain numpy code: this script minimizes the chain's energy with
it, without srcad's transformation running at all (srcad is imported only for the final
check).  The test suite runs ``srcad generate --check`` on it, so the file cannot go stale
while ``springs.py`` changes.

Run ``python examples/aot_springs.py``.  ``SRCAD_EXAMPLE_SMALL=1`` uses a shorter chain.
"""

import os
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path[:0] = [str(HERE / "generated"), str(HERE / "models")]

import springs  # noqa: E402  (the model: examples/models/springs.py)
from grad_springs import grad_energy  # noqa: E402  (the generated module)

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"


def relax(free, steps, rate=1e-2):
    """Gradient descent on the chain's energy, with the generated gradient."""
    for _ in range(steps):
        free = free - rate * grad_energy(free)
    return free


def main():
    nodes = 5 if SMALL else 9
    x = np.linspace(0.0, 1.0, nodes + 2)[1:-1]
    free = np.stack([x, np.zeros(nodes)], axis=1)  # start: a straight, horizontal chain
    print(f"{nodes} free nodes, energy at the start: {springs.energy(free):.6f}")
    free = relax(free, 400 if SMALL else 1500)
    gradient = grad_energy(free)
    print(f"energy at rest: {springs.energy(free):.6f}")
    print(f"largest gradient entry at rest: {np.max(np.abs(gradient)):.2e}")
    print(f"lowest node: y = {free[:, 1].min():.4f} (the chain sags)")
    symmetric = np.max(np.abs(free[:, 1] - free[::-1, 1]))
    print(f"left-right asymmetry of the rest shape: {symmetric:.2e}")

    import srcad
    h = 1e-6
    fd = np.zeros_like(free)
    for index in np.ndindex(free.shape):
        step = np.zeros_like(free)
        step[index] = h
        fd[index] = (springs.energy(free + step) - springs.energy(free - step)) / (2 * h)
    print(f"generated gradient against finite differences: "
          f"{np.max(np.abs(gradient - fd)):.1e}")
    srcad.check_grads(springs.energy, (free + 0.01,))
    print("check_grads: srcad's gradient of the model agrees with finite differences")


if __name__ == "__main__":
    main()
