"""Helper functions in another module, called from the corpus."""

import numpy as np

SCALE = 1.5


def scaled_square(x):
    return SCALE * x * x


def weighted(x, w, bias=0.5):
    return np.sum(w * x) + bias * np.sum(x)
