"""Every bad input gives a srcad error that locates the problem and says what to do.

Construct errors must name the user's file, line and column, quote the line with a caret,
name the construct and end with a hint; none may come from inside generated code.
"""

import importlib
import inspect
import linecache
import math
import sys
import textwrap
import types

import numpy as np
import pytest

import srcad
from srcad import InputError, NoRuleError, SourceError, SrcadError, UnsupportedError
from tests import helpers_mod
from tests.helpers_mod import helper

# ---------------------------------------------------------------------------------------
# helpers


def line_of(fn, fragment):
    """The 1-based line of the user's file holding ``fragment`` inside ``fn``'s source."""
    lines, start = inspect.getsourcelines(fn)
    for i, text in enumerate(lines):
        if fragment in text:
            return start + i, text
    raise AssertionError(f"{fragment!r} is not in the source of {fn.__name__}")


def assert_clean(exc):
    """No frame of generated code in the traceback, no chained internal exception."""
    assert generated_frames(exc) == []
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def generated_frames(exc):
    tb = exc.__traceback__
    out = []
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<srcad"):
            out.append(name)
        tb = tb.tb_next
    return out


def assert_located(exc, fn, fragment, *words, col_at=None, hint=""):
    """``exc`` points at the line of ``fn`` holding ``fragment``, names ``words``, hints."""
    msg = str(exc)
    line, text = line_of(fn, fragment)
    col = text.index(col_at if col_at is not None else text.strip())
    filename = fn.__code__.co_filename
    assert f"{filename}:{line}:{col}: " in msg, msg
    assert exc.location is not None and exc.location.line == line
    quoted = msg.splitlines()
    assert "    " + text.strip() in quoted, msg  # the quoted line ...
    caret = quoted[quoted.index("    " + text.strip()) + 1]
    assert caret.strip() == "^" and caret.index("^") - 4 == col - (len(text) - len(text.lstrip()))
    for word in words:
        assert word in msg, msg
    assert "\nhint: " in msg and hint in msg.split("\nhint: ", 1)[1], msg
    assert_clean(exc)


def fails(fn, *args, wrt=0, error=UnsupportedError):
    with pytest.raises(error) as info:
        srcad.grad(fn, wrt=wrt)(*args)
    return info.value


# ---------------------------------------------------------------------------------------
# unsupported constructs (one function each; the statement under test is on its own line)


def f_if(x):
    y = x * 2.0
    if x > 0.0:
        y = y * x
    return y


def f_for(x):
    for i in range(3):  # noqa: B007
        x = x * 2.0
    return x


def f_while(x):
    while x > 1.0:
        x = x / 2.0
    return x


def f_break(x):
    for i in range(3):
        if i > 1:
            break
        x = x * 2.0
    return x


def f_continue(x):
    while x < 10.0:
        x = x * 2.0
        continue
    return x


def f_early_return(x):
    y = x * 2.0
    return y
    return x


def f_with(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return y


def f_try(x):
    try:
        y = np.log(x)
    except ValueError:
        y = x
    return y


def f_raise(x):
    y = x * 2.0
    raise ValueError("no")
    return y


def f_assert(x):
    assert x > 0.0
    return x * 2.0


COUNTER = 0.0


def f_global(x):
    global COUNTER
    return x * 2.0


def make_nonlocal():
    total = 1.0

    def f_nonlocal(x):
        nonlocal total
        return x * total
    return f_nonlocal


def f_nested_def(x):
    def inner(t):
        return t * 2.0
    return x * 2.0


def f_lambda_inside(x):
    y = (lambda t: t * 2.0)(x)
    return y


def f_class(x):
    class Box:
        pass
    return x * 2.0


def f_del(x):
    y = x * 2.0
    del x
    return y


def f_import(x):
    import math as m  # noqa: F401
    return x * 2.0


def f_listcomp(x):
    y = np.sum([x * k for k in range(3)])
    return y


def f_dictcomp(x):
    d = {k: x * k for k in range(3)}  # noqa: F841
    return x


def f_setcomp(x):
    s = {x * k for k in range(3)}  # noqa: F841
    return x


def f_genexp(x):
    y = sum(x * k for k in range(3))
    return y


def f_ifexp(x):
    y = x * 2.0 if x > 0.0 else x
    return y


def f_and_or(x):
    y = x or 1.0
    return y


def f_fstring(x):
    label = f"x={x}"  # noqa: F841
    return x * 2.0


def f_walrus(x):
    y = (z := x * 2.0) + 1.0  # noqa: F841
    return y


def f_star_call(x):
    parts = (x, 2.0)
    y = np.multiply(*parts)
    return y


def f_star_params(x, *rest):
    return x * 2.0


def f_yield(x):
    yield x * 2.0


async def f_async(x):
    y = await x
    return y


def f_setitem(x):
    y = np.zeros(3)
    y[0] = x
    return np.sum(y)


def f_setattr(x):
    box = types.SimpleNamespace()
    box.value = x
    return x * 2.0


CONSTRUCTS = [
    # function, line fragment, column at, words the message must hold
    (f_with, "with np.errstate", "with", ["`with`"]),
    (f_try, "try:", "try", ["`try`"]),
    (f_raise, "raise ValueError", "raise", ["`raise`"]),
    (f_assert, "assert x > 0.0", "assert", ["`assert`"]),
    (f_global, "global COUNTER", "global", ["`global`"]),
    (make_nonlocal(), "nonlocal total", "nonlocal", ["`nonlocal`"]),
    (f_nested_def, "def inner(t):", "def", ["nested function"]),
    (f_class, "class Box:", "class", ["class"]),
    (f_del, "del x", "del", ["`del`"]),
    (f_import, "import math as m", "import", ["`import`"]),
    (f_dictcomp, "{k: x * k for", "{k:", ["dict comprehension"]),
    (f_setcomp, "{x * k for", "{x * k", ["set comprehension"]),
    (f_fstring, 'label = f"x', 'f"', ["f-string"]),
    (f_walrus, "(z := x", "z :=", ["`:=`"]),
    (f_star_call, "np.multiply(*parts)", "*parts", ["starred", "*args"]),
    (f_star_params, "def f_star_params", "*rest"[1:], ["`*rest`"]),
    (f_yield, "yield x * 2.0", "yield", ["`yield`"]),
    (f_async, "async def f_async", "async", ["async"]),
    (f_setattr, "box.value = x", "box.value", ["assignment to an attribute"]),
]


@pytest.mark.parametrize("fn, fragment, col_at, words", CONSTRUCTS,
                         ids=[c[0].__name__ for c in CONSTRUCTS])
def test_unsupported_construct(fn, fragment, col_at, words):
    exc = fails(fn, 1.5)
    assert type(exc) is UnsupportedError
    assert_located(exc, fn, fragment, *words, f"(in function `{fn.__name__}`)",
                   col_at=col_at)


@pytest.mark.parametrize("fn, instead", [
    (f_nested_def, "module level"), (f_dictcomp, "d[k] = v"), (f_setcomp, "list"),
])
def test_unsupported_hint_says_what_to_write(fn, instead):
    hint = str(fails(fn, 4.0)).split("\nhint: ", 1)[1]
    assert instead in hint


def test_generic_hint_says_what_is_supported():
    def f_match(x):
        match x:
            case _:
                y = x
        return y
    hint = str(fails(f_match, 4.0)).split("\nhint: ", 1)[1]
    assert hint.startswith("srcad differentiates assignments")
    assert "srcad.supported_functions()" in hint


def test_construct_error_from_show_too():
    with pytest.raises(UnsupportedError) as info:
        srcad.show(f_try, file=False)
    assert_located(info.value, f_try, "try:", "`try`", col_at="try")


def test_construct_error_for_value_and_grad_and_vjp():
    with pytest.raises(UnsupportedError):
        srcad.value_and_grad(f_try)(1.0)
    with pytest.raises(UnsupportedError):
        srcad.vjp(f_try)(1.0, 1.0)


def test_construct_error_in_decorated_function():
    @srcad.grad
    def decorated(x):
        y = x * 2.0
        with np.errstate(all="ignore"):
            y = y / 2.0
        return y

    with pytest.raises(UnsupportedError) as info:
        decorated(3.0)
    assert_located(info.value, decorated.__wrapped__, "with np.errstate", "`with`",
                   col_at="with")


def test_construct_error_in_lambda():
    f = lambda x: float(f"{x}") * x  # noqa: E731
    exc = fails(f, 1.0)
    assert_located(exc, f, "f = lambda x", "f-string", col_at='f"')


def test_construct_error_in_lambda_does_not_name_an_internal_function():
    f = lambda x: float(f"{x}") * x  # noqa: E731
    message = str(fails(f, 1.0))
    assert "lambda_" not in message and "(in function `<lambda>`)" in message


# ---------------------------------------------------------------------------------------
# calls


def f_no_rule_c(x):
    y = math.lgamma(x)
    return y


def f_no_rule_callable(x):
    y = helpers_mod.scale(x)
    return y


def f_no_rule_ufunc(x):
    y = x * 2.0
    z = helpers_mod.opaque(y)
    return z


@pytest.mark.parametrize("fn, fragment, display", [
    (f_no_rule_c, "y = math.lgamma(x)", "math.lgamma"),
    (f_no_rule_callable, "y = helpers_mod.scale(x)", "helpers_mod.scale"),
    (f_no_rule_ufunc, "z = helpers_mod.opaque(y)", "helpers_mod.opaque"),
])
def test_call_without_rule_on_active_value(fn, fragment, display):
    exc = fails(fn, 1.5, error=NoRuleError)
    assert_located(exc, fn, fragment, f"no derivative rule for {display}",
                   hint="srcad.supported_functions()")


def test_call_without_rule_scipy():
    special = pytest.importorskip("scipy.special")

    def uses_hyp2f1(x):
        y = special.hyp2f1(1.0, 2.0, 3.0, x)
        return y

    exc = fails(uses_hyp2f1, 0.5, error=NoRuleError)
    assert_located(exc, uses_hyp2f1, "y = special.hyp2f1(1.0, 2.0, 3.0, x)",
                   "no derivative rule for special.hyp2f1", hint="supported_functions")


def test_call_without_rule_hint_names_the_function():
    hint = str(fails(f_no_rule_c, 1.5, error=NoRuleError)).split("\nhint: ", 1)[1]
    assert "math.lgamma" in hint


def test_call_without_rule_hint_names_existing_api():
    assert callable(getattr(srcad, "defvjp", None))
    assert callable(getattr(srcad, "stop_gradient", None))


def f_user_call(x):
    y = helper(x)
    return y


def test_user_function_on_active_value_is_differentiated():
    assert srcad.grad(f_user_call)(1.5) == pytest.approx(2.0)  # helper(x) = 2x


def f_unknown_inactive(x):
    n = math.lgamma(3.0)
    k = helper(2.0)
    m = helpers_mod.scale(n)
    return x * n + x * k * m


def test_call_without_rule_on_inactive_values_is_fine():
    g = srcad.grad(f_unknown_inactive)(1.5)
    n = math.lgamma(3.0)
    assert g == pytest.approx(n + 4.0 * 3.0 * n)


# ---------------------------------------------------------------------------------------
# results and arguments


def f_vector(x):
    return x * 2.0


A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def f_matvec(x):
    return A @ x


@pytest.mark.parametrize("fn, shape", [(f_vector, "(3,)"), (f_matvec, "(3,)")])
def test_grad_of_non_scalar_result(fn, shape):
    x = np.ones(3) if fn is f_vector else np.ones(2)
    with pytest.raises(InputError) as info:
        srcad.grad(fn)(x)
    msg = str(info.value)
    assert f"`{fn.__name__}`" in msg and shape in msg and "scalar" in msg
    assert "hint:" in msg and "srcad.vjp" in msg
    assert_clean(info.value)
    with pytest.raises(InputError):
        srcad.value_and_grad(fn)(x)


def two(x, y):
    return x * y


def test_wrt_name_missing():
    with pytest.raises(InputError) as info:
        srcad.grad(two, wrt="z")
    msg = str(info.value)
    assert "'z'" in msg and "`two`" in msg and "x, y" in msg and "hint:" in msg


def test_wrt_index_out_of_range():
    with pytest.raises(InputError) as info:
        srcad.grad(two, wrt=2)
    msg = str(info.value)
    assert "wrt=2" in msg and "out of range" in msg and "`two`" in msg and "hint:" in msg
    with pytest.raises(InputError):
        srcad.grad(two, wrt=(0, -3))


def test_wrt_duplicate():
    with pytest.raises(InputError) as info:
        srcad.grad(two, wrt=(0, "x"))
    msg = str(info.value)
    assert "'x'" in msg and "twice" in msg and "hint:" in msg


def star(x, *rest, **options):
    return x * 2.0


def test_wrt_star_args():
    for item in ("rest", "options"):
        with pytest.raises(InputError) as info:
            srcad.grad(star, wrt=item)
        assert item in str(info.value) and "hint:" in str(info.value)
    with pytest.raises(InputError) as info:
        srcad.grad(star, wrt=1)
    assert "out of range" in str(info.value)


def test_wrt_wrong_type():
    for item in (1.0, None, True, [[0]]):
        with pytest.raises(InputError) as info:
            srcad.grad(two, wrt=item)
        assert "hint:" in str(info.value)
    with pytest.raises(InputError):
        srcad.grad(two, wrt=())


@pytest.mark.parametrize("value, words, hint", [
    (2, ["`x`", "`two`", "integer 2"], "pass 2.0"),
    (True, ["`x`", "bool True"], "pass 1.0"),
    ("2.0", ["`x`", "str"], "float"),
    (None, ["`x`", "None"], "float"),
    (["a", "b"], ["`x`", "str"], "float"),
    (np.arange(3), ["`x`", "integer array"], "x.astype(float)"),
], ids=["int", "bool", "str", "None", "list", "int-array"])
def test_bad_differentiated_argument(value, words, hint):
    with pytest.raises(InputError) as info:
        srcad.grad(two)(value, 3.0)
    msg = str(info.value)
    for word in words:
        assert word in msg, msg
    assert "hint:" in msg and hint in msg.split("hint:")[1], msg
    assert_clean(info.value)


def test_bad_argument_by_keyword_and_non_wrt_ints_are_fine():
    with pytest.raises(InputError) as info:
        srcad.grad(two, wrt="y")(1.0, y=3)
    assert "`y`" in str(info.value) and "pass 3.0" in str(info.value)
    assert srcad.grad(two)(2.0, 3) == pytest.approx(3.0)  # y is not differentiated


def test_missing_argument_names_the_user_function():
    with pytest.raises(InputError) as info:
        srcad.grad(two)(1.0)
    msg = str(info.value)
    assert "`two`" in msg and "'y'" in msg and "hint:" in msg
    assert_clean(info.value)


def f_no_return(x):
    y = x * 2.0  # noqa: F841


def test_function_without_return():
    exc = fails(f_no_return, 1.0)
    assert_located(exc, f_no_return, "def f_no_return", "has no `return`",
                   "(in function `f_no_return`)", col_at="def", hint="return")


# ---------------------------------------------------------------------------------------
# source


def test_exec_without_linecache():
    ns = {"np": np}
    exec(compile("def ghost(x):\n    return x * 2.0\n", "<ghost-cell>", "exec"), ns)
    with pytest.raises(SourceError) as info:
        srcad.grad(ns["ghost"])(1.0)
    msg = str(info.value)
    assert "`ghost`" in msg and "<ghost-cell>" in msg and "linecache" in msg
    assert "hint:" in msg


@pytest.mark.parametrize("obj", [np.sin, math.sin, len, np.ndarray.sum, helpers_mod.scale],
                         ids=["ufunc", "math", "builtin", "method", "callable"])
def test_non_python_function(obj):
    for op in (srcad.grad, srcad.value_and_grad, srcad.vjp):
        with pytest.raises(SourceError) as info:
            op(obj)(1.0)
        msg = str(info.value)
        assert "hint:" in msg and "def" in msg, msg
    with pytest.raises(SourceError):
        srcad.show(obj, file=False)


def test_lambdas_several_on_one_line():
    fs = (lambda x: x * 2.0, lambda x: x * 3.0, lambda x: np.sin(x))  # noqa: E731
    assert srcad.grad(fs[1])(1.0) == pytest.approx(3.0)
    assert srcad.grad(fs[0])(1.0) == pytest.approx(2.0)
    assert srcad.grad(fs[2])(1.0) == pytest.approx(np.cos(1.0))


def test_lambdas_identical_but_for_operand_order():
    y = 3.0
    fs = (lambda x: x - y, lambda x: y - x)  # noqa: E731
    assert srcad.grad(fs[0])(1.0) == pytest.approx(1.0)
    assert srcad.grad(fs[1])(1.0) == pytest.approx(-1.0)


def test_error_located_in_the_right_lambda_of_a_line():
    fs = (lambda x: x * 2.0, lambda x: {x * k for k in (1.0, 2.0)})  # noqa: E731
    exc = fails(fs[1], 1.0)
    assert_located(exc, fs[1], "fs = (lambda", "set comprehension", col_at="{x * k")


MODULE_V1 = """\
import numpy as np


def edited(x):
    y = x * 2.0
    return y
"""

MODULE_V2 = """\
import numpy as np


def edited(x):
    y = np.sin(x)
    return y
"""

MODULE_V3 = """\
import numpy as np


def edited(x):
    y = x + x
    return y
"""


@pytest.fixture
def tmp_module(tmp_path, monkeypatch):
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


@pytest.mark.parametrize("name, new", [("srcad_edited_call", MODULE_V2),
                                       ("srcad_edited_op", MODULE_V3)],
                         ids=["new-call", "same-names"])
def test_source_edited_after_import(tmp_module, name, new):
    mod, path = tmp_module(name, MODULE_V1)
    path.write_text(new)  # same line count, different body
    linecache.checkcache(str(path))
    with pytest.raises(SourceError) as info:
        srcad.grad(mod.edited)(1.0)
    msg = str(info.value)
    assert "does not match" in msg and "`edited`" in msg and str(path) in msg
    assert f"{path}:4:0:" in msg and "def edited(x):" in msg
    assert "hint:" in msg and "reload" in msg


def test_source_unchanged_module_works(tmp_module):
    mod, path = tmp_module("srcad_unedited", MODULE_V1)
    assert srcad.grad(mod.edited)(1.0) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------
# vjp


def test_vjp_cotangent_of_wrong_shape():
    f = srcad.vjp(lambda x: np.sin(x) * 2.0)
    for bad in (np.ones(2), np.ones((3, 3)), 1.0):
        with pytest.raises(InputError) as info:
            f(np.ones(3), bad)
        msg = str(info.value)
        assert "cotangent" in msg and "(3,)" in msg and str(np.shape(bad)) in msg
        assert "hint:" in msg
        assert_clean(info.value)
    for bad in ("a", None, [1.0, 2.0, 3.0], np.array(["a", "b", "c"])):
        with pytest.raises(InputError) as info:
            f(np.ones(3), bad)
        assert "cotangent" in str(info.value) and "hint:" in str(info.value)
        assert_clean(info.value)


def test_vjp_cotangent_broadcast_error_from_generated_code():
    # A cotangent that numpy happily broadcasts must still be rejected by shape.
    f = srcad.vjp(lambda x: x * 2.0)
    with pytest.raises(InputError):
        f(np.ones(3), np.ones((2, 3)))


def test_vjp_without_arguments():
    with pytest.raises(InputError) as info:
        srcad.vjp(two)()
    assert "cotangent" in str(info.value)


def test_vjp_missing_cotangent():
    with pytest.raises(InputError) as info:
        srcad.vjp(two)(1.0, 2.0)
    msg = str(info.value)
    assert "the cotangent is missing" in msg and "`two`" in msg and "hint:" in msg
    assert_clean(info.value)


def matvec(x, a):
    return np.sum(a @ x)


def test_error_of_the_users_own_code_is_reported_from_the_users_code():
    # Not a srcad error: the user's function fails on these inputs.  The traceback must
    # show the user's line, not the generated derivative.
    for op in (srcad.grad, srcad.value_and_grad):
        with pytest.raises(ValueError) as info:
            op(matvec)(np.ones(3), np.ones((2, 2)))
        assert generated_frames(info.value) == []
        assert info.traceback[-1].frame.code.name == "matvec"
    with pytest.raises(ValueError) as info:
        srcad.vjp(lambda x, a: a @ x)(np.ones(3), np.ones((2, 2)), np.ones(2))
    assert generated_frames(info.value) == []


def test_errors_are_srcad_errors():
    for cls in (InputError, NoRuleError, SourceError, UnsupportedError):
        assert issubclass(cls, SrcadError)


def test_error_rendering_format():
    loc = srcad.errors.Location("model.py", 12, 8, "        while x > 0:\n")
    exc = UnsupportedError("`while` loops are not supported (in function `loss`)", loc,
                           hint="rewrite it")
    assert str(exc) == textwrap.dedent("""\
        model.py:12:8: `while` loops are not supported (in function `loss`)
            while x > 0:
            ^
        hint: rewrite it""")


def f_sampler(mu):
    return np.sum(np.random.default_rng(0).normal(mu, 1.0, 3) * 0.0 + np.random.normal(mu, 1.0))


def test_sampler_with_differentiated_parameter_is_refused_not_zero():
    with pytest.raises(NoRuleError, match="np.random.normal"):
        srcad.grad(f_sampler)(0.5)
