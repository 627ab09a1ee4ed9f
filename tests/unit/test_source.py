"""srcad.source: finding, checking and parsing the source of user functions."""

import functools
import inspect
import linecache

import gast
import numpy as np
import pytest

import srcad
from srcad.errors import SourceError
from srcad.source import check_function, get_source, missing
from tests import helpers_mod


def node_text(src, node):
    """The text of the user's file from ``node``'s position to the end of its line."""
    return src.lines[node.lineno - 1][node.col_offset:]


def first(tree, kind):
    return next(n for n in gast.walk(tree) if isinstance(n, kind))


def identity(f):
    return f


def with_options(**options):
    return identity


# -- module-level, decorated, nested, methods ------------------------------------------------


def test_module_level_function():
    src = get_source(helpers_mod.square)
    code = helpers_mod.square.__code__
    assert src.filename == code.co_filename and src.name == "square"
    assert isinstance(src.tree, gast.FunctionDef) and src.tree.name == "square"
    assert src.tree.lineno == code.co_firstlineno
    assert src.text == inspect.getsource(helpers_mod.square)
    ret = src.tree.body[0]
    assert node_text(src, ret) == "return x * x\n"
    assert node_text(src, ret.value.left) == "x * x\n"
    loc = src.location(ret)
    assert (loc.filename, loc.line, loc.col) == (code.co_filename, ret.lineno, 4)
    assert loc.text.strip() == "return x * x"


def test_sha256_is_stable_and_follows_the_text():
    a, b = get_source(helpers_mod.square), get_source(helpers_mod.square)
    assert a.sha256 == b.sha256 and len(a.sha256) == 64
    assert get_source(helpers_mod.helper).sha256 != a.sha256


@identity
@with_options(
    name="spread over lines",
)
def decorated(x):
    y = x * 2.0
    return y


def test_decorated_function_decorators_stripped():
    src = get_source(decorated)
    assert src.tree.decorator_list == []
    def_line, _ = next((i, t) for i, t in enumerate(src.lines, 1) if t.startswith("def decorated"))
    assert src.tree.lineno == def_line
    assert node_text(src, src.tree.body[0]) == "y = x * 2.0\n"
    assert src.text.startswith("@identity\n@with_options(") and "return y" in src.text
    assert srcad.grad(decorated)(1.0) == pytest.approx(2.0)


@srcad.grad
def grad_decorated(x):
    return x * x * 3.0


def test_function_decorated_with_srcad_grad():
    assert grad_decorated(2.0) == pytest.approx(12.0)
    src = get_source(grad_decorated.__srcad__.f)
    assert src.tree.decorator_list == [] and src.tree.name == "grad_decorated"
    assert node_text(src, src.tree.body[0]) == "return x * x * 3.0\n"
    assert get_source(grad_decorated.__wrapped__).tree.name == "grad_decorated"


def test_functools_wraps_wrapper_is_its_own_code():
    def logged(f):
        @functools.wraps(f)
        def wrapper(x):
            return f(x)
        return wrapper

    wrapped = logged(helpers_mod.square)
    # the wrapper's own source, not the function inspect.unwrap would find
    assert get_source(wrapped).tree.name == "wrapper"


def make_closure(scale):
    offset = np.float64(1.0)

    def inner(x):
        return np.sin(x) * scale + offset + later

    later = 2.0
    return inner


def test_nested_function_closure():
    fn = make_closure(3.0)
    src = get_source(fn)
    assert src.tree.name == "inner"
    assert node_text(src, src.tree) == "def inner(x):\n"
    assert src.tree.col_offset == 4
    assert set(src.freevars) == {"scale", "offset", "later"}
    assert src.lookup("scale") == 3.0 and src.lookup("later") == 2.0
    assert src.lookup("np") is np  # a global
    assert src.lookup("len") is len  # a builtin
    assert missing(src.lookup("no_such_name_anywhere"))
    assert srcad.grad(fn)(0.5) == pytest.approx(3.0 * np.cos(0.5))


def test_closure_cell_not_yet_filled_is_missing():
    def outer():
        def inner(x):
            return x * late
        src = get_source(inner)
        before = src.lookup("late")
        late = 2.0
        return before, src.lookup("late")

    before, after = outer()
    assert missing(before) and after == 2.0


class Model:
    scale = 2.0

    def loss(self, x):
        y = x * self.scale
        return np.sum(y)

    @staticmethod
    def static(x):
        return x * 2.0


def test_method_like_indented_function():
    src = get_source(Model.loss)
    assert src.tree.name == "loss" and src.tree.col_offset == 4
    stmt = src.tree.body[0]
    assert stmt.col_offset == 8 and node_text(src, stmt) == "y = x * self.scale\n"
    assert src.location(stmt).col == 8
    assert get_source(Model.static).tree.decorator_list == []
    assert srcad.grad(Model.static)(1.0) == pytest.approx(2.0)
    assert srcad.grad(Model.loss, wrt=1)(Model(), np.ones(2)).tolist() == [2.0, 2.0]


def test_bound_method_is_refused_with_a_hint():
    with pytest.raises(SourceError) as info:
        check_function(Model().loss)
    assert "bound method" in str(info.value) and "Model.loss" in str(info.value)
    with pytest.raises(SourceError):
        srcad.grad(Model().loss)


@pytest.mark.parametrize("obj", [np.sin, len, helpers_mod.scale, 3, "f"])
def test_non_functions_are_refused(obj):
    with pytest.raises(SourceError) as info:
        get_source(obj)
    assert "hint:" in str(info.value)


def test_async_def_is_parsed_for_the_fence_to_refuse():
    async def coro(x):
        return x

    assert isinstance(get_source(coro).tree, gast.AsyncFunctionDef)


# -- exec'd code registered in linecache (IPython / Jupyter cells) ----------------------------

CELL = '''\
import numpy as np

SCALE = 3.0

def cell_f(x):
    y = np.sin(x) * SCALE
    return y

cell_g = lambda x: x * 2.0; cell_h = lambda x: x * 5.0
'''


def run_cell(text, filename):
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = {"__name__": "__main__"}
    exec(compile(text, filename, "exec"), ns)
    return ns


def test_exec_registered_in_linecache():
    filename = "<ipython-input-3-abc>"
    ns = run_cell(CELL, filename)
    try:
        src = get_source(ns["cell_f"])
        assert src.filename == filename and src.tree.lineno == 5
        stmt = src.tree.body[0]
        assert (stmt.lineno, stmt.col_offset) == (6, 4)
        assert src.location(stmt).text == "    y = np.sin(x) * SCALE\n"
        assert src.lookup("SCALE") == 3.0
        assert srcad.grad(ns["cell_f"])(0.0) == pytest.approx(3.0)
        assert get_source(ns["cell_h"]).tree.body[0].value.right.value == 5.0
        assert srcad.grad(ns["cell_g"])(1.0) == pytest.approx(2.0)
        assert srcad.grad(ns["cell_h"])(1.0) == pytest.approx(5.0)
    finally:
        linecache.cache.pop(filename, None)


def test_exec_cell_edited_in_linecache_is_detected():
    filename = "<ipython-input-4-def>"
    ns = run_cell(CELL, filename)
    try:
        text = CELL.replace("np.sin(x) * SCALE", "np.cos(x) * SCALE")
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        with pytest.raises(SourceError) as info:
            get_source(ns["cell_f"])
        assert "does not match" in str(info.value)
    finally:
        linecache.cache.pop(filename, None)


def test_exec_cell_that_does_not_parse_as_a_whole():
    # The registered text holds a line the compiled code did not (an IPython magic, say):
    # srcad falls back to the function's own lines.
    filename = "<ipython-input-5-fed>"
    code_text = "\n\ndef magic_f(x):\n    return x * 4.0\n"
    ns = {}
    exec(compile(code_text, filename, "exec"), ns)
    shown = "%time\n" + code_text[1:]
    linecache.cache[filename] = (len(shown), None, shown.splitlines(True), filename)
    try:
        src = get_source(ns["magic_f"])
        assert src.tree.lineno == 3 and src.tree.body[0].lineno == 4
        assert src.tree.body[0].col_offset == 4
        assert srcad.grad(ns["magic_f"])(1.0) == pytest.approx(4.0)
    finally:
        linecache.cache.pop(filename, None)


def test_exec_without_linecache_is_a_source_error():
    ns = {}
    exec(compile("def nowhere(x):\n    return x\n", "<nowhere>", "exec"), ns)
    with pytest.raises(SourceError) as info:
        get_source(ns["nowhere"])
    assert "`nowhere`" in str(info.value) and "linecache" in str(info.value)


# -- lambdas ----------------------------------------------------------------------------------

ONE = lambda x: x * 2.0  # noqa: E731
TWO_A, TWO_B = lambda x: x * 3.0, lambda x: np.sin(x) * 4.0  # noqa: E731
ORDER = (lambda x, y: x - y, lambda x, y: y - x)  # noqa: E731
SPREAD = [
    lambda x: x * 6.0,
    lambda x: x * 7.0,
]
CALL = functools.reduce(lambda acc, f: acc + [f], [lambda x:
                                                  x * 8.0], [])
NESTED = lambda a: lambda x: a * x * 9.0  # noqa: E731


def test_lambda_one_per_line():
    src = get_source(ONE)
    ret = src.tree.body[0]
    assert isinstance(ret, gast.Return) and node_text(src, ret.value) == "x * 2.0  # noqa: E731\n"
    assert src.tree.lineno == ONE.__code__.co_firstlineno
    assert node_text(src, src.tree).startswith("lambda x: x * 2.0")


@pytest.mark.parametrize("fn, expected", [
    (TWO_A, "x * 3.0"), (TWO_B, "np.sin(x) * 4.0"),
    (ORDER[0], "x - y"), (ORDER[1], "y - x"),
    (SPREAD[0], "x * 6.0"), (SPREAD[1], "x * 7.0"),
])
def test_several_lambdas_pick_the_right_one(fn, expected):
    src = get_source(fn)
    body = src.tree.body[0].value
    assert node_text(src, body).startswith(expected)
    assert src.lines[body.lineno - 1][body.col_offset:body.end_col_offset] == expected


def test_several_lambdas_differentiate_correctly():
    assert srcad.grad(ORDER[0])(1.0, 2.0) == pytest.approx(1.0)
    assert srcad.grad(ORDER[1])(1.0, 2.0) == pytest.approx(-1.0)
    assert srcad.grad(TWO_B)(0.0) == pytest.approx(4.0)
    assert srcad.grad(SPREAD[1])(1.0) == pytest.approx(7.0)


def test_lambda_spanning_two_lines_inside_a_call():
    (fn,) = CALL
    src = get_source(fn)
    body = src.tree.body[0].value
    assert body.lineno == src.tree.lineno + 1
    assert node_text(src, body) == "x * 8.0], [])\n"
    assert srcad.grad(fn)(1.0) == pytest.approx(8.0)


def test_nested_lambda_picks_the_inner_one():
    inner = NESTED(2.0)
    src = get_source(inner)
    assert src.tree.args.args[0].id == "x" and "a" in src.freevars
    assert srcad.grad(inner)(1.0) == pytest.approx(18.0)
    assert get_source(NESTED).tree.args.args[0].id == "a"


def test_lambda_in_a_test_body():
    f, g = (lambda x: x * 10.0), (lambda x: x * 11.0)  # noqa: E731
    assert srcad.grad(g)(1.0) == pytest.approx(11.0)
    assert srcad.grad(f)(1.0) == pytest.approx(10.0)


# -- positions --------------------------------------------------------------------------------


def positions(x):
    total = np.sum(x ** 2)
    scaled = total * 3.0 + np.log(total)
    return scaled


def test_lines_and_columns_are_those_of_the_file():
    src = get_source(positions)
    lines, start = inspect.getsourcelines(positions)
    assert src.tree.lineno == start
    for stmt, text in zip(src.tree.body, lines[1:]):
        assert stmt.lineno == lines.index(text) + start
        assert stmt.col_offset == len(text) - len(text.lstrip())
        assert stmt.end_lineno == stmt.lineno
    log = next(n for n in gast.walk(src.tree.body[1]) if isinstance(n, gast.Call))
    assert node_text(src, log) == "np.log(total)\n"
    assert src.lines[log.lineno - 1][log.col_offset:log.end_col_offset] == "np.log(total)"


def non_ascii(x):
    y = "é" and x * 2.0
    return y


def test_location_columns_count_characters():
    src = get_source(non_ascii)
    boolop = first(src.tree, gast.BoolOp)
    binop = boolop.values[1]
    loc = src.location(binop)
    assert loc.text[loc.col:].startswith("x * 2.0")


def with_assert(x):
    assert x > 0
    return x


def test_pytest_rewritten_function_is_not_reported_as_edited():
    assert get_source(with_assert).tree.name == "with_assert"


def test_renamed_lambda():
    f = lambda x: x * 12.0  # noqa: E731
    f.__name__ = f.__qualname__ = "loss"
    assert srcad.grad(f)(1.0) == pytest.approx(12.0)


def test_fallback_parse_of_a_closure_and_its_edit_check():
    filename = "<ipython-input-6-cab>"
    code_text = "\ndef outer(k):\n    def inner(x):\n        return x * k\n    return inner\n"
    ns = {}
    exec(compile(code_text, filename, "exec"), ns)
    inner = ns["outer"](13.0)
    try:
        for text, ok in (("%magic" + code_text, True),
                         ("%magic" + code_text.replace("x * k", "k * x"), False)):
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            if ok:
                src = get_source(inner)
                assert (src.tree.lineno, src.tree.col_offset) == (3, 4)
                assert srcad.grad(inner)(1.0) == pytest.approx(13.0)
            else:
                with pytest.raises(SourceError, match="does not match"):
                    get_source(inner)
    finally:
        linecache.cache.pop(filename, None)


FUTURE = '''\
from __future__ import annotations

import numpy as np


def annotated(x: np.ndarray) -> float:
    def unused(t: np.ndarray) -> np.ndarray:
        return t
    y: float = np.sum(x * 2.0)
    return y
'''


@pytest.fixture
def tmp_module(tmp_path, monkeypatch):
    import importlib
    import sys
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(name, text):
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        importlib.invalidate_caches()
        names.append(name)
        return importlib.import_module(name), path

    yield make
    for name in names:
        sys.modules.pop(name, None)


def test_module_with_future_import_matches(tmp_module):
    mod, _ = tmp_module("srcad_future_mod", FUTURE)
    src = get_source(mod.annotated)
    assert src.tree.name == "annotated"


def test_function_moved_in_the_file_is_detected(tmp_module):
    mod, path = tmp_module("srcad_moved_mod", FUTURE)
    path.write_text(FUTURE.replace("import numpy as np\n", "import numpy as np\n\n\n"))
    linecache.checkcache(str(path))
    with pytest.raises(SourceError) as info:
        get_source(mod.annotated)
    assert "no `def annotated` starts at line 6" in str(info.value)


def test_deleted_file_is_a_source_error(tmp_module):
    mod, path = tmp_module("srcad_deleted_mod", FUTURE)
    path.unlink()
    linecache.checkcache(str(path))
    with pytest.raises(SourceError) as info:
        get_source(mod.annotated)
    assert "no source is available" in str(info.value)


class Point:
    def __init__(self, x):
        self.x = x


def warm(p, x):
    y = np.sin(x) * p.x + helpers_mod.square(x)
    for _ in range(3):
        y = y + len([x])
    return y


def test_function_specialized_by_the_interpreter_still_matches():
    # CPython >= 3.11 rewrites hot bytecode in place (adaptive specialization).
    p = Point(2.0)
    for _ in range(5000):
        warm(p, 0.5)
    assert get_source(warm).tree.name == "warm"
