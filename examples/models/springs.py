"""A hanging chain of springs: the model whose gradient examples/aot_springs.py generates.

The chain's two ends are pinned; the free nodes' positions are the unknowns.  Its energy is
the springs' elastic energy plus the nodes' potential energy in gravity.
"""

import numpy as np

STIFFNESS = 40.0
REST_LENGTH = 0.2
GRAVITY = 9.81
MASS = 0.05
LEFT = (0.0, 0.0)
RIGHT = (1.0, 0.0)


def spring_energy(a, b):
    """Elastic energy of one spring between the points ``a`` and ``b``."""
    stretch = np.sqrt(np.sum((b - a) ** 2)) - REST_LENGTH
    return 0.5 * STIFFNESS * stretch ** 2


def energy(free):
    """Total energy of the chain; ``free`` holds the free nodes' (x, y), one row each."""
    nodes = np.vstack([np.array(LEFT), free, np.array(RIGHT)])
    total = 0.0
    for i in range(nodes.shape[0] - 1):
        total = total + spring_energy(nodes[i], nodes[i + 1])
    return total + MASS * GRAVITY * np.sum(free[:, 1])
