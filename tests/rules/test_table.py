"""Static checks of the rules table."""

import pytest

import srcad
from srcad import rules
from srcad.errors import RuleError

from .harness import unique_rules


def test_every_rule_has_test_cases():
    missing = [r.name for r in unique_rules() if not r.cases]
    assert not missing, f"rules without finite-difference cases: {missing}"


def test_supported_names_resolve_to_their_rule():
    for name in srcad.supported_functions():
        if name.startswith(("numpy.ndarray.", "operator.")):
            continue
        obj = rules.resolve_name(name)
        assert obj is not None, name
        assert rules.lookup(obj) is not None, name


def test_rules_and_nondiff_do_not_overlap():
    both = [k for k in rules.NONDIFF if rules.lookup(k) is not None]
    assert not both


@pytest.mark.parametrize("vjp", [
    "bz += by",                 # target is not a parameter's adjoint
    "bx = by",                  # must accumulate with +=
    "bx += by * unknown_name",  # free name outside the template vocabulary
    "bx += bx * by",            # reads the adjoint it adds to
])
def test_malformed_rules_are_refused_at_registration(vjp):
    with pytest.raises(RuleError):
        rules.defrule(lambda x: x, "x", vjp=vjp, names=["tests.bad"])
