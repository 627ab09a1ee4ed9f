"""Static checks of the rules table."""

import pytest

import srcad
from srcad import rules
from srcad.errors import RuleError

from .harness import unique_rules


# Rules with several outputs cannot be called by the generic harness (its functions return
# the primitive's result directly); each is checked in a test file of its own.
MULTI_OUTPUT_TESTS = {
    "numpy.linalg.slogdet": "tests/rules/test_linalg_extra.py",
    "numpy.linalg.eigh": "tests/rules/test_linalg_extra.py",
}


def test_every_rule_has_test_cases():
    missing = [r.name for r in unique_rules() if not r.cases and r.name not in MULTI_OUTPUT_TESTS]
    assert not missing, f"rules without finite-difference cases: {missing}"


def test_multi_output_rules_are_tested_elsewhere():
    import pathlib
    for name, path in MULTI_OUTPUT_TESTS.items():
        rule = rules.lookup(rules.resolve_name(name))
        assert rule is not None and len(rule.outputs) > 1, name
        assert name.rsplit(".", 1)[-1] in pathlib.Path(path).read_text(), (name, path)


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


def test_every_template_of_the_table_parses_and_checks():
    """srcad's own rules are parsed at first use (a fast import): parse them all here."""
    for rule in rules.RULES.values():
        assert isinstance(rule.vjp, list) and isinstance(rule.jvp, list), rule.name
