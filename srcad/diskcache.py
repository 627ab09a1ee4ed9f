"""The on-disk cache of generated derivative source (DESIGN.md, "Caching").

A new process that differentiates an unchanged function compiles the source an earlier
process generated instead of transforming again.  Only *text* is stored, never pickles:
what the generated code needs at run time (helpers, callees, call targets) is stored by
name and looked up again in the new process.

Where: ``$SRCAD_CACHE_DIR``, else the user cache directory (``$XDG_CACHE_HOME/srcad`` or
``~/.cache/srcad``; ``~/Library/Caches/srcad`` on macOS; ``%LOCALAPPDATA%\\srcad\\Cache``
on Windows).  ``SRCAD_CACHE=0`` turns the disk cache off.  Both are read at each use.

The key is the sha256 of (canonical JSON): the entry format, the srcad version and a
fingerprint of srcad's own files, the Python, numpy and gast versions, a fingerprint of
the rule table, the options (wrt names, single, optimize, mode, callee or not, argument
kinds) and a digest of the function: its file, first line and source text, and what each
call in it resolves to now -- a rule (by name), a non-differentiable function, or a user
function, itself digested the same way (so the digest covers every function it calls,
transitively; a function of the standard library or of an installed package counts by its
name and its file's size and modification time).  One file per key, ``<dir>/<key>.json``::

    {"format": 1, "key": "<the key>", "srcad": "0.1.0", "sha256": "<sha256 of payload>",
     "payload": {"source": "def vjp_f(x, by=1.0): ...", "name": "vjp_f",
                 "seed_name": "by", "base": "srcad vjp_f of /path/f.py:12",
                 "free_names": ["np", "g"], "bound": ["np", "g"],
                 "helpers": {"renamed": {"np_2": "np"}, "dropped": []},
                 "callees": [["vjp_g", "g", ["x"], [], "<sha256 of g's source>"]],
                 "defaults": {"default_w": ["positional", 0]},
                 "call_paths": ["np.sin", "g"]}}

``helpers`` says which name in the code stands for each of srcad's runtime helpers (the
keys of :data:`srcad.rules.TEMPLATE_GLOBALS`, which the key fixes): its own name unless
``renamed`` or ``dropped``.  ``bound`` and ``callees`` name objects by the dotted path that
finds them from the function's globals.  An entry is used only if it parses, names the key
it is filed under and this srcad version, and its payload hashes to ``sha256``; otherwise
it is a miss and is overwritten.  Writes go to a temporary file in the same directory, then
``os.replace``: readers never see half an entry, and concurrent writers of one key both
succeed.  Any failure to read or write the cache is a miss, never an error.

Not cached (correctness over hit rate): while a user rule is registered (``defvjp``,
``custom_vjp``, ...: rules change the text but are not part of the source); lambdas,
closures and srcad's own generated functions (``grad(grad(f))`` stubs, functions made
by srcad), which have no stable name or source; functions calling any of those, or a
callee not reachable by a dotted name from the function's globals.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path

import gast

import numpy as np

from . import rules
from .grammar import dotted, walk
from .source import Source, get_source, missing

FORMAT = 1
STATS = {"hits": 0, "misses": 0, "writes": 0, "uncacheable": 0}


class _Uncacheable(Exception):
    """Raised while keying: the transformation cannot be represented on disk."""


# -- where -------------------------------------------------------------------------------


def directory() -> Path:
    """The cache directory, from ``$SRCAD_CACHE_DIR`` or the platform's user cache dir."""
    own = os.environ.get("SRCAD_CACHE_DIR")
    if own:
        return Path(own).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "srcad" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "srcad"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "srcad"


def enabled() -> bool:
    """False when ``SRCAD_CACHE`` is ``0`` (or ``false``, ``no``, ``off``)."""
    return os.environ.get("SRCAD_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _is_entry(path: Path) -> bool:
    return re.fullmatch(r"[0-9a-f]{64}\.json", path.name) is not None


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if _is_entry(p)]
    except OSError:
        return []


def info() -> dict:
    """Where the cache is, whether it is on, its size; hits and misses of this process."""
    folder = directory()
    entries = _entries(folder)
    size = sum(path.stat().st_size for path in entries if path.exists())
    return {"dir": str(folder), "enabled": enabled(), "entries": len(entries),
            "bytes": size, **STATS}


def clear() -> int:
    """Remove every entry (and left-over temporary file); return the number of entries."""
    folder = directory()
    removed = 0
    for path in _entries(folder) + list(folder.glob(".tmp-*.part")):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += _is_entry(path)
    return removed


# -- the key -------------------------------------------------------------------------------


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version() -> str:
    version = getattr(sys.modules.get("srcad"), "__version__", None)
    if version is None:
        from importlib import metadata
        version = metadata.version("srcad")
    return version


@functools.lru_cache(maxsize=None)
def _build() -> str:
    """A fingerprint of srcad's own files (path, size, mtime): editing srcad itself (a
    development checkout) must not serve text generated by the previous code."""
    root = os.path.dirname(os.path.abspath(__file__))
    items = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                st = os.stat(path)
                items.append([os.path.relpath(path, root), st.st_size, st.st_mtime_ns])
    return _sha(_dumps(sorted(items)))


def _environment_key() -> dict:
    """What, besides the function and the options, decides the generated text."""
    rules.load_optional()  # scipy's rules, if scipy.special is imported: counted below
    return {"format": FORMAT, "srcad": _version(), "build": _build(),
            "python": list(sys.version_info[:2]), "numpy": np.__version__,
            "gast": getattr(gast, "__version__", ""),
            "rules": [len(rules.RULES), len(rules.NONDIFF), sorted(rules.TEMPLATE_GLOBALS)]}


def _user_rules_registered() -> bool:
    from .custom import _REGISTRY
    from .custom_helpers import _Helper
    return bool(_REGISTRY) or any(isinstance(v, _Helper) for v in rules.TEMPLATE_GLOBALS.values())


def _check_nameable(fn) -> None:
    if not isinstance(fn, types.FunctionType):
        raise _Uncacheable("not a plain function")
    code = fn.__code__
    if getattr(fn, "__srcad__", None) is not None or code.co_filename.startswith("<srcad "):
        raise _Uncacheable("made by srcad")
    if code.co_name == "<lambda>":
        raise _Uncacheable("a lambda")
    if fn.__closure__:
        raise _Uncacheable("a closure")


@functools.lru_cache(maxsize=None)
def _library_dirs() -> tuple[str, ...]:
    import sysconfig
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


def _library_digest(fn) -> str | None:
    """For a function of the standard library or an installed package: its name and its
    file's size and time (changed by an upgrade), instead of parsing the library."""
    filename = os.path.realpath(fn.__code__.co_filename)
    if not filename.startswith(_library_dirs()):
        return None
    try:
        st = os.stat(filename)
    except OSError as exc:
        raise _Uncacheable("library file not found") from exc
    return "library:" + _sha(_dumps([filename, st.st_size, st.st_mtime_ns, fn.__module__,
                                     fn.__qualname__, fn.__code__.co_firstlineno]))


def _resolve(source: Source, parts):
    """What the dotted call target ``parts`` resolves to, as srcad's resolve step does."""
    obj = source.lookup(parts[0])
    for attr in parts[1:]:
        if missing(obj) or obj is None:
            break
        obj = getattr(obj, attr, None)
    return None if missing(obj) else obj


class _Digests:
    """sha256 digests of functions: source text plus what their calls resolve to."""

    LIMIT = 200  # functions digested for one key; beyond that, not worth caching

    def __init__(self, top):
        self.top = top
        self.done: dict = {}  # function -> digest
        self.active: dict = {}  # function being digested -> its source sha (recursion)
        self.sources: dict = {}  # function -> Source (not for library functions)
        self.shas: dict = {}  # function -> source sha256 (library functions: their digest)
        self.resolved: dict = {}  # function -> {call path: object}

    def digest(self, fn) -> str:
        if fn in self.done:
            return self.done[fn]
        if fn in self.active:
            return "recursive:" + self.active[fn]
        _check_nameable(fn)
        if len(self.shas) >= self.LIMIT:
            raise _Uncacheable("calls too many functions")
        library = _library_digest(fn) if fn is not self.top else None
        if library is not None:
            self.done[fn] = self.shas[fn] = library
            return library
        try:
            source = get_source(fn)
        except Exception as exc:
            raise _Uncacheable("no source") from exc
        self.sources[fn] = source
        self.shas[fn] = source.sha256
        self.active[fn] = source.sha256
        try:
            env = self._environment(fn, source)
        finally:
            del self.active[fn]
        self.done[fn] = _sha(_dumps([source.filename, source.tree.lineno, source.text, env]))
        return self.done[fn]

    def _environment(self, fn, source: Source) -> dict:
        """What each call target of ``fn`` is, plus the facts naming in the generated code
        depends on: free names that are (or shadow) srcad's helpers, shadowed builtins."""
        from .pipeline import _free_names
        free = _free_names(source.tree)
        env = {"=" + n: source.lookup(n) is rules.TEMPLATE_GLOBALS[n]
               for n in free if n in rules.TEMPLATE_GLOBALS}
        env["shadowed builtins"] = sorted(n for n in fn.__globals__
                                          if hasattr(builtins, n) and not n.startswith("_"))
        resolved = self.resolved.setdefault(fn, {})
        for node in walk(source.tree):
            parts = dotted(node.func) if isinstance(node, gast.Call) else None
            if parts and parts[0] in free and ".".join(parts) not in resolved:
                path = ".".join(parts)
                try:
                    obj = resolved[path] = _resolve(source, parts)
                except Exception as exc:
                    raise _Uncacheable(f"cannot resolve {path}") from exc
                env[path] = self._classify(obj)
        return env

    def _classify(self, obj) -> str:
        if obj is None:
            return "missing"
        if getattr(obj, "__srcad__", None) is not None \
                or getattr(type(obj), "__srcad_function__", None) is not None:
            raise _Uncacheable("calls a function made by srcad or a user rule's helper")
        rule = rules.lookup(obj)
        if rule is not None:
            return "rule:" + rule.names[0]
        if rules.is_nondiff(obj):
            return "nondiff"
        if isinstance(obj, types.FunctionType) \
                and not (obj.__module__ or "").startswith("srcad.runtime"):
            return "user:" + self.digest(obj)
        return f"other:{type(obj).__module__}.{type(obj).__qualname__}"


@dataclass
class Ticket:
    """A function's key, with what keying found: reused to load or to save the entry."""

    key: str
    path: Path
    source: Source
    resolved: dict  # call path -> the object it resolves to
    shas: dict = field(default_factory=dict)  # call path -> source sha256 of a user function


def ticket(fn, options: dict) -> Ticket | None:
    """The disk-cache ticket of transforming ``fn`` with ``options``; None when the disk
    cache is off or the transformation cannot be cached."""
    if not enabled() or _user_rules_registered():
        return None
    digests = _Digests(fn)
    try:
        digest = digests.digest(fn)
    except (_Uncacheable, RecursionError):
        STATS["uncacheable"] += 1
        return None
    key = _sha(_dumps({**_environment_key(), "options": options, "function": digest}))
    resolved = digests.resolved[fn]
    shas = {path: digests.shas[obj] for path, obj in resolved.items() if obj in digests.shas}
    return Ticket(key, directory() / f"{key}.json", digests.sources[fn], resolved, shas)


# -- reading -----------------------------------------------------------------------------


def _verified_payload(raw: bytes, key: str):
    """The payload of entry bytes ``raw`` if the entry is sound and filed under ``key``."""
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT \
            or entry.get("key") != key or entry.get("srcad") != _version():
        return None
    payload = entry.get("payload")
    if not isinstance(payload, dict) or entry.get("sha256") != _sha(_dumps(payload)):
        return None
    return payload


def load(tk: Ticket):
    """The cached transformation for ``tk``, compiled, or None."""
    try:
        raw = tk.path.read_bytes()
    except OSError:
        raw = None
    payload = None if raw is None else _verified_payload(raw, tk.key)
    transformed = None
    if payload is not None:
        try:
            transformed = _rebuild(tk, payload)
        except Exception:  # a sound entry this process cannot use: transform instead
            transformed = None
    STATS["hits" if transformed is not None else "misses"] += 1
    return transformed


def _rebuild(tk: Ticket, p: dict):
    from .pipeline import Transformed, compile_generated
    renamed, dropped = p["helpers"]["renamed"], set(p["helpers"]["dropped"])
    dropped |= set(renamed.values())
    keys = {**{k: k for k in rules.TEMPLATE_GLOBALS if k not in dropped}, **renamed}
    helpers = {name: rules.TEMPLATE_GLOBALS[key] for name, key in keys.items()}
    bound = {}
    for name in p["bound"]:
        obj = tk.source.lookup(name)
        if missing(obj):
            return None
        bound[name] = obj
    callees = []
    for helper, path, wrt, kinds, sha in p["callees"]:
        obj = tk.resolved.get(path)
        if not isinstance(obj, types.FunctionType) or tk.shas.get(path) != sha:
            return None
        callees.append((helper, obj, tuple(wrt), frozenset(tuple(k) for k in kinds)))
    defaults = {name: tuple(where) for name, where in p["defaults"].items()}
    filename, code = compile_generated(p["base"], p["source"])
    return Transformed(p["source"], p["name"], p["seed_name"], tuple(p["free_names"]), bound,
                       helpers, callees, defaults, filename, code, base=p["base"],
                       helper_keys=keys, call_paths=tuple(p["call_paths"]))


# -- writing -----------------------------------------------------------------------------


def _payload(tk: Ticket, t) -> dict | None:
    """``t`` by names, or None if some part of it has no name that finds it again."""
    from .custom_helpers import _Helper
    tg = rules.TEMPLATE_GLOBALS
    if set(t.helper_keys) != set(t.helpers) or any(
            tg.get(key) is not t.helpers[name] or isinstance(t.helpers[name], _Helper)
            for name, key in t.helper_keys.items()):
        return None
    for path in t.call_paths:
        head = path.split(".")[0]
        if path not in tk.resolved and not (
                head in t.helper_keys or tk.source.lookup(head) is getattr(builtins, head, None)):
            return None  # a call the passes introduced, to something keying did not see
    callees = []
    for helper, obj, wrt, kinds in t.callees:
        path = next((p for p, o in tk.resolved.items() if o is obj), None)
        if path is None or path not in tk.shas:
            return None
        callees.append([helper, path, list(wrt), sorted(list(k) for k in kinds),
                        tk.shas[path]])
    return {"source": t.source, "name": t.name, "seed_name": t.seed_name, "base": t.base,
            "free_names": list(t.free_names), "bound": sorted(t.bound),
            "helpers": {"renamed": {n: k for n, k in t.helper_keys.items() if n != k},
                        "dropped": sorted(set(tg) - set(t.helper_keys.values()))},
            "callees": callees,
            "defaults": {name: list(where) for name, where in t.defaults.items()},
            "call_paths": list(t.call_paths)}


def save(tk: Ticket, transformed) -> None:
    """Write ``transformed`` under ``tk``'s key, atomically; silently skip on any failure."""
    payload = _payload(tk, transformed)
    if payload is None:
        STATS["uncacheable"] += 1
        return
    entry = {"format": FORMAT, "key": tk.key, "srcad": _version(),
             "sha256": _sha(_dumps(payload)), "payload": payload}
    text = json.dumps(entry, sort_keys=True, indent=1)
    tmp = None
    try:
        tk.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=tk.path.parent, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, tk.path)
        STATS["writes"] += 1
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
