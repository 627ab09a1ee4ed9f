"""Every rule of the table, on every test case it declares, against finite differences."""

import numpy as np
import pytest

import srcad
from srcad.checking import GradCheckError

from .harness import build, rule_name_cases

CASES = list(rule_name_cases())


@pytest.mark.parametrize("rule,name,index,case", CASES,
                         ids=[f"{name}-{i}" for _, name, i, _ in CASES])
def test_rule_matches_finite_differences(rule, name, index, case):
    rng = np.random.default_rng(index + 17)
    f, args, wrt, source = build(rule, name, case, rng)
    assert wrt, f"case {index} of {name} has no differentiable input"
    srcad.check_grads(f, args, wrt=wrt, rtol=rule.tol * 10, atol=rule.tol)


def test_checker_catches_a_wrong_rule():
    """The harness can fail: a deliberately wrong rule is caught."""
    from srcad import rules

    def wrongly_differentiated(x):
        return np.sin(x)

    rules.defrule(wrongly_differentiated, "x", vjp="bx += by * np.sin(x)",
                  names=["tests.wrongly_differentiated"])
    try:
        def f(x):
            return wrongly_differentiated(x)
        with pytest.raises(GradCheckError):
            srcad.check_grads(f, (np.array([0.3, 0.5]),))
    finally:
        del rules.RULES[wrongly_differentiated]
