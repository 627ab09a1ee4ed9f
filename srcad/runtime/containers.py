"""Adjoints of containers: lists, tuples and dicts of floats and arrays.

The adjoint of a container has the container's structure (a list for a list, a dict with
the same keys for a dict).  Container adjoints are always fresh objects that generated
code owns, so ``bxs.pop()`` and element updates never touch a user's value.
"""

import numpy as np

from ..errors import UnsupportedError
from .core import unbroadcast

__all__ = ["add", "unindex_container", "unsum", "extremum_args", "extremum_tangent", "copy_container",
           "container_zeros", "save_item", "restore_item", "restored_item", "zero_at",
           "copy_value",
           "ensure_rebindable", "ensure_element",
           "ensure_own_item", "loop_length"]


def add(a, b):
    """``a + b`` for adjoints: elementwise for lists, tuples and dicts.

    >>> add([1.0, 2.0], [3.0, 4.0])
    [4.0, 6.0]
    """
    if isinstance(a, list):
        return [add(u, v) for u, v in zip(a, b, strict=True)]
    if isinstance(a, tuple):
        return tuple(add(u, v) for u, v in zip(a, b, strict=True))
    if isinstance(a, dict):  # a key added by ``d[k] = v`` is missing from older adjoints
        return {k: add(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k))
                for k in {**a, **b}}
    return a + b


def container_zeros(x):
    """Zeros with the structure of ``x``."""
    if isinstance(x, list):
        return [container_zeros(v) for v in x]
    if isinstance(x, tuple):
        return tuple(container_zeros(v) for v in x)
    if isinstance(x, dict):
        return {k: container_zeros(v) for k, v in x.items()}
    if x is None or x is Ellipsis or isinstance(x, (str, bool, slice)):
        return 0.0
    if isinstance(x, (float, int)):
        return 0.0
    return np.zeros(np.shape(x), dtype=np.result_type(x, 1.0))


def unindex_container(g, x, idx):
    """Zeros shaped like container ``x`` with ``g`` at ``idx`` (an int, slice or key)."""
    out = container_zeros(x)
    if isinstance(x, tuple):
        out = list(out)
    if isinstance(idx, slice):
        positions = range(len(x))[idx]
        for pos, value in zip(positions, g, strict=True):
            out[pos] = value
    else:
        out[idx] = g
    return tuple(out) if isinstance(x, tuple) else out


def unsum(g, iterable):
    """The adjoint of the builtin ``sum(iterable)``: ``g`` for every item."""
    if isinstance(iterable, (list, tuple)):  # items may broadcast against each other
        return type(iterable)(g if np.shape(v) == np.shape(g) else unbroadcast(g, v)
                              for v in iterable)
    return np.broadcast_to(g, np.shape(iterable))


def extremum_args(g, values, largest):
    """Adjoints of ``max(*values)``/``min(*values)`` (or of one iterable): ``g`` goes to
    the first item that attains the extremum, as Python's max/min return it."""
    items = values[0] if len(values) == 1 else values
    pick = max if largest else min
    best = pick(range(len(items)), key=lambda i: items[i])
    out = [container_zeros(v) for v in items]
    out[best] = g
    if len(values) == 1:
        return (type(items)(out) if isinstance(items, (list, tuple))
                else np.asarray(out),)
    return tuple(out)


def extremum_tangent(dvalues, values, largest):
    """The tangent of ``max(*values)``/``min(*values)`` (or of one iterable): the tangent
    of the first item that attains the extremum, as Python's max/min return it."""
    items, ditems = (values[0], dvalues[0]) if len(values) == 1 else (values, dvalues)
    pick = max if largest else min
    best = pick(range(len(items)), key=lambda i: items[i])
    return ditems[best]


def copy_container(x):
    """A shallow copy of a list (the value a function returns before rewinding)."""
    return list(x) if isinstance(x, list) else x


_MISSING = object()


def save_item(x, idx):
    """A copy of ``x[idx]`` (or a marker if a dict has no such key), to restore later."""
    if isinstance(x, dict):
        return x.get(idx, _MISSING)
    item = x[idx]
    return item.copy() if isinstance(item, np.ndarray) else item


def restore_item(x, idx, old):
    """Undo ``x[idx] = ...``."""
    if old is _MISSING:
        del x[idx]
    else:
        x[idx] = old


def restored_item(old):
    """The value ``restore_item`` puts back, for a derivative of a derivative, which
    writes ``x[idx] = restored_item(old)``: a key that did not exist cannot come back
    that way, so it is refused."""
    if old is _MISSING:
        raise NotImplementedError(
            "srcad: a derivative of a derivative of a function that adds keys to a dict "
            "(d[k] = v for a new k) is not supported")
    return old


def zero_at(b, idx, x=None):
    """A copy of the adjoint ``b`` with zeros at ``idx`` (what an overwritten item gets):
    zeros shaped like the item of the container ``x`` at ``idx`` when ``x`` is given (its
    old item, restored: a list item may have been a number and become an array), else like
    ``b``'s own item."""
    like = b if x is None else x
    if isinstance(b, dict):
        out = dict(b)
        out[idx] = container_zeros(like[idx]) if idx in like else 0.0
        return out
    if isinstance(b, list):
        out = list(b)
        if isinstance(idx, slice):
            for pos in range(len(out))[idx]:
                out[pos] = container_zeros(like[pos])
        else:
            out[idx] = container_zeros(like[idx])
        return out
    out = np.array(b, copy=True)
    out[idx] = 0.0
    return out


def copy_value(x):
    """A copy of a value the adjoint sweep will restore in place (the function's result)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, dict)):
        return type(x)(x)
    return x


def ensure_rebindable(value, message):
    """Raise ``message`` if ``value`` is an array: ``value += ...`` would update an array
    that another name shares, where the derivative rebinds the name."""
    if isinstance(value, np.ndarray):
        raise UnsupportedError(message)


def ensure_own_item(value, container, message):
    """Raise ``message`` if ``value`` is an array that ``container`` holds in more than one
    slot: ``container[k] += v`` would change every slot, where srcad changes one."""
    if isinstance(value, np.ndarray):
        slots = container.values() if isinstance(container, dict) else container
        if sum(item is value for item in slots) > 1:
            raise UnsupportedError(message)


def ensure_element(base, idx, message):
    """Raise ``message`` unless ``base[idx]`` is a number: srcad took it for one, of its own,
    where a row of an array or an item of a list would see later updates."""
    if not isinstance(base[idx], (int, float, complex, np.number)):
        raise UnsupportedError(message)


def loop_length(seq):
    """How many items ``for item in seq`` visits, for the loops srcad runs by index."""
    if isinstance(seq, dict):
        raise UnsupportedError("srcad: a `for` loop over a dict directly is not supported; "
                               "loop over d.keys(), d.values() or d.items()")
    return len(seq)
