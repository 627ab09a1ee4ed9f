"""In-memory cache of transformations, keyed by the function's code object and options.

A code object is immutable, so an unchanged function (even many closures made from one
``def``) hits the cache, while redefining the function creates a new code object and so a
fresh derivative.  Entries are also checked against the objects the function's call
targets resolved to: rebinding a called global makes the entry stale.
"""

from __future__ import annotations

import weakref

_MEMORY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def get(code, key):
    entry = _MEMORY.get(code)
    return None if entry is None else entry.get(key)


def put(code, key, value) -> None:
    _MEMORY.setdefault(code, {})[key] = value


def clear() -> None:
    _MEMORY.clear()


def stats() -> dict:
    return {"functions": len(_MEMORY), "entries": sum(len(v) for v in _MEMORY.values())}
