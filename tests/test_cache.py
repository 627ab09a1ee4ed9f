"""The in-memory cache: unchanged functions are transformed once, changed ones again."""

import linecache

import numpy as np
import pytest

import srcad
from srcad import cache, pipeline


@pytest.fixture
def count_transforms(monkeypatch):
    calls = []
    original = pipeline.transform

    def counting(*args, **kwargs):
        calls.append(args[0].name)
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline, "transform", counting)
    cache.clear()
    return calls


def cube(x):
    return x * x * x


def test_second_grad_does_no_transformation(count_transforms):
    assert srcad.grad(cube)(2.0) == pytest.approx(12.0)
    assert srcad.grad(cube)(3.0) == pytest.approx(27.0)
    srcad.value_and_grad(cube)(1.0)
    assert count_transforms == ["cube"]


def test_other_wrt_is_a_new_entry(count_transforms):
    def f(x, y):
        return x * y
    srcad.grad(f, wrt=0)(1.0, 2.0)
    srcad.grad(f, wrt=1)(1.0, 2.0)
    srcad.grad(f, wrt="x")(1.0, 2.0)  # the parameter of wrt=0, by name: a cache hit
    assert len(count_transforms) == 2


def _define(source, filename):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["f"]


def test_redefinition_gives_fresh_derivative(count_transforms):
    f1 = _define("def f(x):\n    return x * x\n", "<cache-test-1>")
    assert srcad.grad(f1)(3.0) == pytest.approx(6.0)
    f2 = _define("def f(x):\n    return x * x * x\n", "<cache-test-2>")
    assert srcad.grad(f2)(3.0) == pytest.approx(27.0)
    assert len(count_transforms) == 2


def test_closures_from_one_def_share_the_transformation(count_transforms):
    def make(scale):
        def f(x):
            return scale * x * x
        return f
    grads = [srcad.grad(make(s))(1.0) for s in (1.0, 2.0, 3.0)]
    assert grads == pytest.approx([2.0, 4.0, 6.0])
    assert len(count_transforms) == 1


def test_rebinding_a_called_global_invalidates(count_transforms):
    namespace = {"np": np}
    source = "def f(x):\n    return np.sum(act(x))\n"
    linecache.cache["<cache-test-3>"] = (len(source), None, source.splitlines(True),
                                         "<cache-test-3>")
    exec(compile(source, "<cache-test-3>", "exec"), namespace)
    namespace["act"] = np.sin
    g = srcad.grad(namespace["f"])
    np.testing.assert_allclose(g(np.array([0.0])), [1.0])
    namespace["act"] = np.exp
    np.testing.assert_allclose(g(np.array([1.0])), [np.e])
    assert len(count_transforms) == 2


SHARED_ARRAY = """\
def f(x):
    ys = [x]
    x += 1.0
    return np.sum(x) + np.sum(ys[0])
"""


def _in_file(filename):
    linecache.cache[filename] = (len(SHARED_ARRAY), None, SHARED_ARRAY.splitlines(True),
                                 filename)
    namespace = {"np": np}
    exec(compile(SHARED_ARRAY, filename, "exec"), namespace)
    return namespace["f"]


def test_equal_functions_in_two_files_name_their_own_file():
    """Code objects of the same text compare equal whatever their file; the derivative's
    run-time checks quote the file, so each file gets its own entry."""
    first, second = _in_file("<cache-first>"), _in_file("<cache-second>")
    assert first.__code__ == second.__code__
    srcad.show(first, file=False)
    text = srcad.show(second, file=False)
    assert "<cache-second>" in text and "<cache-first>" not in text
    with pytest.raises(srcad.UnsupportedError, match="<cache-second>:3"):
        srcad.grad(second)(np.ones(2))
