"""In-memory cache of transformations, keyed by the function's code object, its file and
the options.

A code object is immutable, so an unchanged function (even many closures made from one
``def``) hits the cache, while redefining the function creates a new code object and so a
fresh derivative.  Entries are also checked against the objects the function's call
targets resolved to: rebinding a called global makes the entry stale.

Registering a derivative rule (``srcad.defvjp``, ``srcad.custom_vjp``, ...) changes what
any derivative may contain, so :func:`invalidate` empties the cache *and* marks every
transformation handed out so far as stale: a derivative object made before the rule was
registered (``df = srcad.grad(f)``) is transformed again at its next call.
"""

from __future__ import annotations

import weakref

_MEMORY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# Every transformation put in the cache, by id (transformations are unhashable dataclasses).
_HANDED_OUT: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()

# A name that no function can define: a transformation whose ``bound`` record (free name ->
# object it resolved to) contains it fails every "is this still what the code was built
# against?" check, so whoever holds it transforms again.
STALE = "<srcad: a derivative rule changed>"


def get(code, key):
    entry = _MEMORY.get(code)
    return None if entry is None else entry.get((key, code.co_filename))


def put(code, key, value) -> None:
    # Code objects compare equal across files (the filename is not part of equality), but
    # the generated code quotes the file in its run-time error messages.
    _MEMORY.setdefault(code, {})[(key, code.co_filename)] = value
    try:
        _HANDED_OUT[id(value)] = value
    except TypeError:  # not weak-referenceable: nothing to mark later
        pass


def clear() -> None:
    _MEMORY.clear()


def invalidate() -> None:
    """Forget every transformation, including those already held by derivative objects.

    Called when a derivative rule is registered or removed."""
    _MEMORY.clear()
    for transformed in list(_HANDED_OUT.values()):
        bound = getattr(transformed, "bound", None)
        if isinstance(bound, dict):
            bound[STALE] = STALE
    _HANDED_OUT.clear()


def stats() -> dict:
    return {"functions": len(_MEMORY), "entries": sum(len(v) for v in _MEMORY.values())}
