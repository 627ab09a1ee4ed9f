"""Helpers for linear-algebra adjoints."""

import numpy as np

from .core import unbroadcast

__all__ = ["mT", "matmul_adjoint_a", "matmul_adjoint_b"]


def mT(a):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(a, -1, -2)


def matmul_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``y = a @ b`` given the adjoint ``g`` of ``y`` (any ranks)."""
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return g * b
        return np.expand_dims(g, -1) * b
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, mT(b)), a)


def matmul_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``y = a @ b`` given the adjoint ``g`` of ``y`` (any ranks)."""
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * a
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(mT(a), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(mT(a), g), b)
