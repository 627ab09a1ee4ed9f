"""A module-level function for the CLI tests (imported as tests.cli_target)."""

import numpy as np


def energy(w, x):
    return np.sum((w * x) ** 2)
