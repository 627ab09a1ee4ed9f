"""The disk cache of generated source: hits across processes, misses on any change, damaged
entries ignored, never an error because of the cache.  Gradients are checked against their
closed forms."""

import itertools
import json
import linecache
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad
from srcad import cache, diskcache, pipeline

X = np.array([-1.2, 0.3, 0.8, 2.0])


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, enabled disk cache; the in-memory cache emptied so each grad goes to disk."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SRCAD_CACHE_DIR", str(folder))
    monkeypatch.delenv("SRCAD_CACHE", raising=False)
    cache.clear()
    yield folder
    cache.clear()


@pytest.fixture
def transforms(monkeypatch):
    """The names of the functions transformed (not served from any cache)."""
    calls = []
    original = pipeline.transform

    def counting(source, *args, **kwargs):
        calls.append(source.name)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(pipeline, "transform", counting)
    return calls


_COUNTER = itertools.count()


def define(text, name="f", filename=None):
    """Exec ``text`` as if it were a file (its source registered in linecache)."""
    text = textwrap.dedent(text)
    filename = filename or f"<diskcache-test-{next(_COUNTER)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "srcad": srcad}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def entries(folder):
    return sorted(folder.glob("*.json")) if folder.exists() else []


def grad_again(f, *args, **kwargs):
    """A gradient with the in-memory cache emptied first: from disk or transformed."""
    cache.clear()
    return srcad.grad(f, **kwargs)(*args)


SINX = """
    def f(x):
        return np.sum(np.sin(x) * x)
"""


def d_sinx(x):
    return np.cos(x) * x + np.sin(x)


# -- across processes ---------------------------------------------------------------------

MODULE = """\
import numpy as np


def scale(x, k):
    return k * x


def f(x):
    y = 0.0
    for i in range(2):
        y = y + np.sum(np.sin(x) * scale(x, 1.5))
    return y
"""

RUNNER = """\
import json, os, sys
import numpy as np
import srcad
from srcad import diskcache, pipeline
if os.environ.get("FORBID_TRANSFORM"):
    def refuse(*args, **kwargs):
        raise AssertionError("transformed although the disk cache holds the derivative")
    pipeline.transform = refuse
print(diskcache._build(), flush=True)  # srcad's own files: part of the key
sys.path.insert(0, sys.argv[1])
import target
g = srcad.grad(target.f)(np.array({x}))
print(json.dumps({{"grad": g.tolist(), "stats": diskcache.STATS}}))
""".format(x=X.tolist())


def d_module(x):  # d/dx of 2 * sum(1.5 x sin x)
    return 3.0 * (np.sin(x) + x * np.cos(x))


@pytest.fixture(scope="module")
def bytecode(tmp_path_factory):
    """A bytecode cache shared by the subprocesses of this module: they import faster."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def start(tmp_path, bytecode):
    """Start the runner on target.py in a fresh process, with a given cache directory."""
    (tmp_path / "target.py").write_text(MODULE)
    (tmp_path / "runner.py").write_text(RUNNER)

    def run(folder, **env):
        environ = {**os.environ, "SRCAD_CACHE_DIR": str(folder),
                   "PYTHONPYCACHEPREFIX": str(bytecode), **env}
        environ.pop("SRCAD_CACHE", None)
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
        return subprocess.Popen([sys.executable, str(tmp_path / "runner.py"), str(tmp_path)],
                                env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    return run


def finish(proc, check=True):
    """The result the runner printed, and the fingerprint of srcad's files it saw."""
    out, err = proc.communicate(timeout=120)
    if check:
        assert proc.returncode == 0, err
    lines = out.splitlines()
    result = json.loads(lines[-1]) if proc.returncode == 0 else {"error": err}
    return {**result, "build": lines[0] if lines else None}


def test_a_fresh_process_compiles_the_cached_text_without_transforming(start, tmp_path):
    for attempt in range(3):
        folder = tmp_path / f"cache{attempt}"
        first = finish(start(folder))
        assert first["stats"]["writes"] == 2  # f and its callee scale
        np.testing.assert_allclose(first["grad"], d_module(X), rtol=1e-12)
        second = finish(start(folder, FORBID_TRANSFORM="1"), check=False)
        if second["build"] == first["build"]:
            break  # else srcad itself was edited between the runs (a shared checkout)
    assert "error" not in second, second.get("error")
    assert second["stats"]["hits"] == 2 and second["stats"]["writes"] == 0
    np.testing.assert_allclose(second["grad"], d_module(X), rtol=1e-12)


def test_concurrent_writers_all_succeed(start, tmp_path):
    folder = tmp_path / "cache"
    procs = [start(folder) for _ in range(4)]
    results = [finish(proc) for proc in procs]
    for result in results:
        np.testing.assert_allclose(result["grad"], d_module(X), rtol=1e-12)
    files = sorted(p.name for p in folder.iterdir())  # no temporary file left behind
    builds = {r["build"] for r in results}  # one unless srcad was edited meanwhile
    assert len(files) == 2 * len(builds) and all(diskcache._is_entry(folder / n) for n in files)
    for path in folder.iterdir():
        assert diskcache._verified_payload(path.read_bytes(), path.name[:-5]) is not None


# -- in one process -----------------------------------------------------------------------


def test_hit_does_not_transform(cache_dir, transforms):
    f = define(SINX)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f"] and len(entries(cache_dir)) == 1
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f"]


def test_edited_source_is_a_miss(cache_dir, transforms):
    f = define(SINX, filename="<diskcache-edit>")
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    f = define(SINX.replace("np.sin(x) * x", "np.sin(x) * x * x"), filename="<diskcache-edit>")
    np.testing.assert_allclose(grad_again(f, X), np.cos(X) * X**2 + 2 * X * np.sin(X),
                               rtol=1e-12)
    assert transforms == ["f", "f"] and len(entries(cache_dir)) == 2


CALLER = """
    def helper(x):
        return {body}

    def f(x):
        return np.sum(helper(x) * 2.0)
"""


def test_edited_callee_is_a_miss(cache_dir, transforms):
    f = define(CALLER.format(body="np.exp(x)"), filename="<diskcache-callee>")
    np.testing.assert_allclose(grad_again(f, X), 2 * np.exp(X), rtol=1e-12)
    f = define(CALLER.format(body="np.cos(x)"), filename="<diskcache-callee>")
    np.testing.assert_allclose(grad_again(f, X), -2 * np.sin(X), rtol=1e-12)
    assert transforms == ["f", "helper", "f", "helper"]


def assert_rebuilt_like_fresh(f, wrt="x"):
    """The transformation rebuilt from disk equals a fresh one, objects included."""
    cache.clear()
    df = srcad.grad(f, wrt=wrt)
    df(X)
    loaded = df.__srcad__.transformed
    fresh = pipeline.transform(srcad.source.get_source(f), [wrt],
                               param_kinds=dict(df.__srcad__.kinds))  # (kinds, shapes of X)
    for name in ("source", "name", "seed_name", "free_names", "bound", "helpers", "callees",
                 "defaults", "base", "helper_keys", "call_paths"):
        assert getattr(loaded, name) == getattr(fresh, name), name


def test_invalidating_the_memory_cache_keeps_disk_entries_right(cache_dir, transforms):
    f = define(SINX)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    cache.invalidate()  # what registering a rule does; no user rule is left registered
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f"]


def test_hit_with_renamed_helpers(cache_dir, transforms):
    f = define("""
        def f(x):
            unbroadcast = np.sin(x)  # the name of a runtime helper: the helper is renamed
            return np.sum(unbroadcast * x)
    """)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    [entry] = entries(cache_dir)
    assert json.loads(entry.read_text())["payload"]["helpers"]["renamed"]
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f"]
    assert_rebuilt_like_fresh(f)


def test_hit_with_a_callee_and_defaults(cache_dir, transforms):
    f = define("""
        def helper(x, k):
            return np.exp(k * x)

        def f(x, scale=np.float64(2.0)):
            return np.sum(helper(x, scale) * x)
    """)
    closed = np.exp(2 * X) * (1 + 2 * X)
    np.testing.assert_allclose(grad_again(f, X), closed, rtol=1e-12)
    np.testing.assert_allclose(grad_again(f, X), closed, rtol=1e-12)
    assert transforms == ["f", "helper"]
    assert_rebuilt_like_fresh(f)


def test_rebinding_a_called_name_is_a_miss(cache_dir, transforms):
    f = define("""
        def f(x):
            return np.sum(act(x))
    """)
    f.__globals__["act"] = np.sin
    np.testing.assert_allclose(grad_again(f, X), np.cos(X), rtol=1e-12)
    f.__globals__["act"] = np.exp
    np.testing.assert_allclose(grad_again(f, X), np.exp(X), rtol=1e-12)
    assert transforms == ["f", "f"]


def _damage(path, how, other):
    raw = path.read_bytes()
    if how == "garbage":
        path.write_bytes(os.urandom(64))
    elif how == "truncated":
        path.write_bytes(raw[:len(raw) // 2])
    elif how == "not json":
        path.write_text("def vjp_f(x): return x\n")
    elif how == "other key":
        path.write_bytes(other.read_bytes())  # a sound entry, filed under another key
    elif how == "other version":
        entry = json.loads(raw)
        entry["srcad"] = "0.0.1-other"
        path.write_text(json.dumps(entry))
    elif how == "edited payload":
        entry = json.loads(raw)
        entry["payload"]["source"] += "# edited\n"  # the payload no longer has its hash
        path.write_text(json.dumps(entry))


@pytest.mark.parametrize("how", ["garbage", "truncated", "not json", "other key",
                                 "other version", "edited payload"])
def test_damaged_or_foreign_entry_is_ignored_and_rewritten(cache_dir, transforms, how):
    g = define("""
        def g(x):
            return np.sum(x * x)
    """, name="g")
    grad_again(g, X)
    f = define(SINX)
    grad_again(f, X)
    [path] = [p for p in entries(cache_dir) if "vjp_f" in p.read_text()]
    [other] = [p for p in entries(cache_dir) if p != path]
    _damage(path, how, other)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["g", "f", "f"]
    assert diskcache._verified_payload(path.read_bytes(), path.name[:-5]) is not None
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["g", "f", "f"]  # the rewritten entry is used


def test_disabled_writes_nothing(cache_dir, transforms, monkeypatch):
    monkeypatch.setenv("SRCAD_CACHE", "0")
    f = define(SINX)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f", "f"] and not cache_dir.exists()
    assert diskcache.info()["enabled"] is False


def test_dump_shows_the_steps_even_when_cached(cache_dir, transforms, monkeypatch, capsys):
    f = define(SINX)
    grad_again(f, X)
    monkeypatch.setenv("SRCAD_DUMP", "anf")
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert "# --- after anf" in capsys.readouterr().err and transforms == ["f", "f"]


def test_unwritable_directory_still_differentiates(tmp_path, monkeypatch, transforms):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SRCAD_CACHE_DIR", str(blocker / "cache"))
    f = define(SINX)
    np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    if os.name == "posix" and os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        monkeypatch.setenv("SRCAD_CACHE_DIR", str(locked))
        np.testing.assert_allclose(grad_again(f, X), d_sinx(X), rtol=1e-12)
    assert transforms == ["f"] * len(transforms) and len(transforms) >= 1
    cache.clear()


def test_info_and_clear(cache_dir):
    assert diskcache.info()["entries"] == 0
    grad_again(define(SINX), X)
    grad_again(define(CALLER.format(body="np.exp(x)")), X)
    found = diskcache.info()
    assert found["dir"] == str(cache_dir) and found["enabled"] is True
    assert found["entries"] == 3 and found["bytes"] > 0
    (cache_dir / "unrelated.txt").write_text("kept")
    assert diskcache.clear() == 3
    assert diskcache.info()["entries"] == 0 and (cache_dir / "unrelated.txt").exists()


def test_default_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SRCAD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert diskcache.directory() == tmp_path / "srcad"
    assert diskcache.directory().name in ("srcad", "Cache")


# -- what is never cached -----------------------------------------------------------------


def test_not_cached_while_a_user_rule_is_registered(cache_dir, transforms):
    f = define("""
        def snap(x):
            return np.round(x)

        def f(x):
            return np.sum(snap(x) * 2.0)
    """)
    snap = f.__globals__["snap"]
    np.testing.assert_allclose(grad_again(f, X), np.zeros(4))  # round: zero derivative
    written = entries(cache_dir)
    srcad.defvjp(snap, lambda g, ans, x: g)  # straight-through: d snap/dx = 1
    try:
        np.testing.assert_allclose(grad_again(f, X), np.full(4, 2.0))
        assert entries(cache_dir) == written
    finally:
        srcad.custom.unregister(snap)
    np.testing.assert_allclose(grad_again(f, X), np.zeros(4))


def test_lambdas_closures_and_derivatives_of_derivatives_are_not_cached(cache_dir):
    np.testing.assert_allclose(grad_again(lambda x: np.sum(x ** 3), X), 3 * X**2)
    k = 4.0

    def closure(x):
        return np.sum(k * x ** 2)

    np.testing.assert_allclose(grad_again(closure, X), 2 * k * X)
    cube = define("""
        def f(x):
            return x ** 3
    """)
    hess = srcad.grad(srcad.grad(cube))
    cache.clear()
    assert hess(1.5) == pytest.approx(6 * 1.5, rel=1e-12)
    # Only the inner derivative of the plain function is on disk.
    [entry] = entries(cache_dir)
    assert "vjp_f" in entry.read_text() and "grad_f" not in entry.read_text()
