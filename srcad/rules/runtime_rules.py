"""Rules of srcad's runtime helpers, so that generated code can be differentiated again.

Grad of grad transforms generated code, which calls the helpers of ``srcad.runtime``
(``unbroadcast``, ``unreduce``, ``matmul_adjoint_a`` …); each has a rule, keyed by the
function object and named ``srcad.runtime.<name>``.  These rules are internal: they
are left out of ``srcad.supported_functions()`` and of docs/rules.md.

How the rules are derived:

* Most helpers are linear in their first argument (an adjoint or a tangent) and use the
  others for shapes only: the vjp is the transpose of the linear map (often the tangent
  helper of the same primitive: ``mean_adjoint`` is transposed by the mean itself), the jvp
  the helper applied to the tangent.  Shape-only arguments get no statement: their
  derivative is zero.
* An adjoint helper ``F(g, a, b) = grad_a <g, P(a, b)>`` of a bilinear primitive ``P``
  (matmul, dot, tensordot, kron, cross …) satisfies ``<c, F(g, a, b)> = <g, P(c, b)>``, so
  ``bg += P(by, b)`` and ``bb += F_b(g, by, b)``; multilinear ones (einsum, multi_dot)
  likewise.
* A dependence a rule does not differentiate yet calls ``derivative_not_implemented``,
  which raises ``NotImplementedError`` when (and only when) that derivative is needed.

Helpers whose value is piecewise constant (masks, weights of ties) or not a number
(shapes, axes) are declared not differentiable.  ``CONTAINER_RESULTS`` lists the helpers
that return lists or tuples.  The helpers without a rule (the tape's ``save_item`` and
``restore_item``, the sublist form of einsum, the scipy.special helpers, the nonlinear
helpers of second derivatives) are listed in ``LEFT_OUT`` with the reason.  The new
helpers these rules need are in srcad/runtime/higher*.py.

This module holds what the rules share (``_rule``, ``DEFINED``, ``RENAMED``, ``LEFT_OUT``,
``CONTAINER_RESULTS``); the rules themselves are registered, family by family, when it
imports srcad/rules/helpers_core.py (core, containers, indexing), helpers_elementwise.py,
helpers_reductions.py, helpers_shapes.py and helpers_linalg.py.
"""

import numpy as np

from ..runtime import HELPERS
from . import defnondiff, defrule

DEFINED = []  # the rules of the helpers_* modules, for tests/rules/test_runtime_rules_extra.py

# Parameters renamed from the helper's own names: a name such as ``da`` next to a
# parameter ``a`` would be both a parameter and the tangent of ``a`` in a template.
# Generated code passes helper arguments by position, so only the order matters.
RENAMED = {}

# Helpers without a rule, and why (a call on a differentiated value is then refused with
# "no derivative rule", or, for the mutators, handled by the passes).
LEFT_OUT = {
    "add_at": "updates its first argument in place; srcad/passes/inplace.py uses it only in "
              "derivatives that are not differentiated again",
    "save_item": "pushes a copy of x[idx] on the tape; differentiating it needs the matching "
                 "restore_item, which mutates its argument: for the passes to handle",
    "restore_item": "mutates its argument (x[idx] = old): a rule cannot express it",
    "einsum_sublist_first_adjoint": "only in the sublist form of np.einsum, whose second "
                                    "derivative is not implemented",
    "beta_derivatives": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "digamma_of": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i0_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i0e_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i1_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "i1e_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "log_ndtr_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered "
                           "yet",
    "logsumexp_adjoint": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "logsumexp_tangent": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
    "polygamma_derivative": "scipy.special helpers (srcad/runtime/special.py) are not covered "
                            "yet",
    "zero_safe_ratio": "scipy.special helpers (srcad/runtime/special.py) are not covered yet",
}
LEFT_OUT.update(dict.fromkeys((
    "power_dbase_dexponent", "power_dkbase_dexponent", "sinc_second_derivative",
    "prod_others_hvp",
    "cumprod_hvp", "cumprod_second_tangent", "cumulative_adjoint_transpose", "cumulative_hvp",
    "cumulative_second_tangent", "solve_adjoint_a_transpose", "solve_tangent_a_dy",
    "det_adjoint_transpose", "det_adjoint_da", "det_adjoint_dy", "einsum_cross",
    "einsum_sum_replaced2", "multi_dot_cross", "multi_dot_second", "matrix_power_hess",
    "matrix_power_second", "norm_second"),
    "a helper of second derivatives (srcad/runtime/higher_*.py): third derivatives are not "
    "implemented"))

# Helpers whose result is a list, tuple or dict: always (None), or when the named argument
# is one.  The passes must add their adjoints and tangents with the ``add`` helper, not
# with ``+`` (which concatenates); srcad/passes/kinds.py does not know this yet.
CONTAINER_RESULTS = {
    "einsum_adjoints": None, "multi_dot_adjoints": None, "extremum_args": None,
    "unatleast": None, "unindex_container": None, "einsum_cross": None,
    "multi_dot_cross": None,
    "unconcatenate": "arrays", "unstack": "arrays", "unhstack": "tup", "unvstack": "tup",
    "uncolumn_stack": "tup", "undstack": "tup", "unindex": "x", "unarray": "obj",
    "unsum": "iterable", "add": "a", "zero_at": "b", "copy_value": "x",
    "copy_container": "x", "zeros_like": "x", "container_zeros": "x", "add_transpose": "a",
    "add_tangent": "y", "unindex_transpose": "b",
}


def _rule(name, params, *, vjp, jvp, cases, outputs="y", tol=1e-6, renamed=()):
    """``defrule`` for the runtime helper ``name``."""
    rule = defrule(HELPERS[name], params, vjp=vjp, jvp=jvp, cases=cases, outputs=outputs,
                   tol=tol, names=[f"srcad.runtime.{name}"])
    if renamed:
        RENAMED[name] = tuple(renamed)
    # Once per helper, also when srcad.docgen executes a helpers_* module again to
    # attribute its rules (this list lives here, outside the module it restores).
    if all(other.key is not rule.key for other in DEFINED):
        DEFINED.append(rule)
    return rule


def _nondiff(names, why):
    defnondiff(*[HELPERS[n] for n in names.split() if n in HELPERS], why=why)


_I = np.array


# The rules, family by family (after the definitions above, which they import).
from . import helpers_core, helpers_elementwise, helpers_reductions, helpers_shapes, helpers_linalg  # noqa: E402,F401,E501
