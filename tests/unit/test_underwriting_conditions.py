"""Declarative conditions: checked on load, and the compiled closures agree with the naive interpreter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insure.conditions import ConditionError, compile_condition, interpret, normalize

KINDS = {"t": "text", "n": "number", "f": "flag", "s": "set"}
TEXTS = ["alpha", "Beta", "gamma"]
NUMBERS = st.one_of(st.integers(-5, 5), st.decimals(-5, 5, places=2, allow_nan=False, allow_infinity=False))


def leaf() -> st.SearchStrategy[dict]:
    text = st.one_of(
        st.builds(
            lambda op, v: {"field": "t", "op": op, "value": v}, st.sampled_from(["eq", "ne"]), st.sampled_from(TEXTS)
        ),
        st.builds(
            lambda op, v: {"field": "t", "op": op, "value": v},
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3),
        ),
    )
    number = st.one_of(
        st.builds(
            lambda op, v: {"field": "n", "op": op, "value": v},
            st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
            NUMBERS,
        ),
        st.builds(lambda a, b: {"field": "n", "op": "between", "value": sorted([a, b])}, NUMBERS, NUMBERS),
        st.builds(lambda v: {"field": "n", "op": "in", "value": v}, st.lists(NUMBERS, min_size=1, max_size=3)),
    )
    flag = st.builds(lambda op, v: {"field": "f", "op": op, "value": v}, st.sampled_from(["eq", "ne"]), st.booleans())
    sets = st.builds(
        lambda op, v: {"field": "s", "op": op, "value": v},
        st.sampled_from(["contains_any", "contains_all"]),
        st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3),
    )
    exists = st.builds(
        lambda f, v: {"field": f, "op": "exists", "value": v}, st.sampled_from(list(KINDS)), st.booleans()
    )
    return st.one_of(text, number, flag, sets, exists)


CONDITIONS = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=4)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=4)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=12,
)
FACTS = st.fixed_dictionaries(
    {
        "t": st.one_of(st.none(), st.sampled_from([t.lower() for t in TEXTS] + ["delta"])),
        "n": st.one_of(st.none(), NUMBERS),
        "f": st.one_of(st.none(), st.booleans()),
        "s": st.one_of(st.none(), st.frozensets(st.sampled_from(["x", "y", "z"]))),
    }
)


@settings(max_examples=400, deadline=None)
@given(condition=CONDITIONS, facts=FACTS)
def test_compiled_condition_agrees_with_the_interpreter(condition, facts):
    normalized = normalize(condition, KINDS)
    assert compile_condition(normalized)(facts) is interpret(normalized, facts)


def test_a_leaf_on_a_missing_fact_is_false_except_exists_false():
    for condition in (
        {"field": "n", "op": "lt", "value": 3},
        {"field": "n", "op": "ne", "value": 3},
        {"field": "t", "op": "not_in", "value": ["alpha"]},
    ):
        normalized = normalize(condition, KINDS)
        assert compile_condition(normalized)({"n": None, "t": None}) is False
    assert compile_condition(normalize({"field": "n", "op": "exists", "value": False}, KINDS))({}) is True


def test_strings_compare_case_insensitively_and_numbers_exactly():
    brand = normalize({"field": "t", "op": "in", "value": ["Apple", "DELL"]}, KINDS)
    assert compile_condition(brand)({"t": "dell"})
    over = normalize({"field": "n", "op": "gt", "value": "0.70"}, KINDS)
    assert compile_condition(over)({"n": Decimal("0.71")})
    assert not compile_condition(over)({"n": Decimal("0.70")})


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "nope", "op": "eq", "value": 1}, "unknown field"),
        ({"field": "n", "op": "like", "value": 1}, "unknown operator"),
        ({"field": "t", "op": "lt", "value": 5}, "does not apply"),
        ({"field": "s", "op": "eq", "value": "x"}, "does not apply"),
        ({"field": "f", "op": "eq", "value": "yes"}, "true or false"),
        ({"field": "n", "op": "eq", "value": None}, "exists"),
        ({"field": "n", "op": "between", "value": [1]}, "between"),
        ({"all": []}, "non-empty"),
        ({"field": "n", "op": "eq", "value": 1, "extra": 2}, "exactly"),
        ("__import__('os')", "object"),
    ],
)
def test_malformed_conditions_are_refused_when_loaded(condition, message):
    with pytest.raises(ConditionError, match=message):
        normalize(condition, KINDS)


@settings(max_examples=150, deadline=None)
@given(
    rules=st.lists(st.tuples(CONDITIONS, st.booleans(), st.decimals(-1, 1, places=2)), min_size=1, max_size=12),
    facts=FACTS,
)
def test_indexed_rule_sets_find_exactly_the_rules_whose_conditions_hold(rules, facts):
    from insure.underwriting.engine import CompiledRule, build_rule_set

    compiled = []
    for position, (condition, is_bar, rate) in enumerate(rules):
        normalized = normalize(condition, KINDS)
        compiled.append(
            CompiledRule(
                f"R-{position}", "", compile_condition(normalized), normalized, rate, is_bar, position, int(rate * 100)
            )
        )
    rate, factors, bars = build_rule_set(compiled, KINDS).matching(facts)
    holding = [rule for rule in compiled if interpret(rule.condition, facts)]
    assert sorted(r.rule_id for r in bars) == sorted(r.rule_id for r in holding if r.is_bar)
    assert sorted(r.rule_id for r in factors) == sorted(r.rule_id for r in holding if not r.is_bar)
    assert rate == sum(r.units for r in holding if not r.is_bar)
