"""Guidance rules kept as data: compiled once, evaluated against facts, safety first."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from insure.risk.guidance import (
    CATEGORIES,
    GuidanceRuleError,
    InsurerDeadline,
    compile_condition,
    compile_rules,
    guidance_dir,
    load_rules,
    prepare,
    rulebook,
)

INSURERS = [InsurerDeadline("ins_a", "Acme Mutual", 48), InsurerDeadline("ins_b", "Bolt", None)]
OCCURRED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def ids(steps) -> list[str]:
    return [s.rule_id for s in steps]


def test_the_shipped_rule_files_compile_and_are_cached():
    assert rulebook() is rulebook()
    assert len(load_rules(guidance_dir()).rules) == len(rulebook().rules) > 10


@pytest.mark.parametrize(
    "facts",
    [
        {"injuries": True},
        {"people_trapped": True},
        {"event_type": "fire"},
        {"smoke_visible": True, "event_type": "water_damage"},
    ],
)
def test_danger_to_people_puts_calling_911_first_for_everyone(facts):
    for audience in ("customer", "third_party"):
        steps = rulebook().evaluate(audience, facts, insurers=INSURERS, occurred_at=OCCURRED)
        assert steps[0].rule_id == "call-911"


def test_steps_are_ordered_by_category_safety_first():
    steps = rulebook().evaluate(
        "customer", {"event_type": "collision", "injuries": True}, insurers=INSURERS, occurred_at=OCCURRED
    )
    ranks = [CATEGORIES.index(s.category) for s in steps]
    assert ranks == sorted(ranks)
    assert steps[0].category == "safety"


def test_no_facts_yet_asks_what_happened_and_names_each_insurers_deadline():
    steps = rulebook().evaluate("customer", {}, insurers=INSURERS, occurred_at=OCCURRED)
    assert "describe-what-happened" in ids(steps)
    deadline = {s.rule_id: s.text for s in steps if s.category == "insurers"}
    assert "Acme Mutual" in deadline["insurer-deadline:ins_a"]
    assert "within 48 hours (by 25 November 2026, 08:00 UTC)" in deadline["insurer-deadline:ins_a"]
    assert "as soon as possible" in deadline["insurer-deadline:ins_b"]


def test_theft_asks_for_a_police_report_until_its_number_arrives():
    before = ids(rulebook().evaluate("customer", {"event_type": "theft"}))
    after = ids(rulebook().evaluate("customer", {"event_type": "theft", "police_report_number": "NYPD-1"}))
    assert "police-report" in before and "police-report-received" not in before
    assert "police-report" not in after and "police-report-received" in after
    assert "photos-theft" in before and "do-not-move-scene" in before


def test_third_parties_get_their_own_guidance_never_the_customers():
    third = ids(rulebook().evaluate("third_party", {"event_type": "theft"}, insurers=INSURERS))
    customer = ids(rulebook().evaluate("customer", {"event_type": "theft"}, insurers=INSURERS))
    assert {"third-party-do-not-touch", "third-party-report-recorded", "third-party-police"} <= set(third)
    assert not any(r.startswith("insurer-deadline") or r.startswith("police-report") for r in third)
    assert not any(r.startswith("third-party") for r in customer)
    found = ids(rulebook().evaluate("third_party", {"event_type": "found"}))
    assert "third-party-found-keep-safe" in found and "third-party-do-not-touch" not in found


def test_the_free_description_is_never_evaluated():
    plain = rulebook().evaluate("customer", {"event_type": "loss"})
    shouting = rulebook().evaluate("customer", {"event_type": "loss", "description": "FIRE! injuries! trapped!"})
    assert ids(plain) == ids(shouting)


def test_condition_language():
    condition = compile_condition(
        {
            "all": [
                {"field": "event_type", "op": "in", "value": ["fire", "theft"]},
                {"not": {"field": "injuries", "op": "eq", "value": True}},
                {
                    "any": [
                        {"field": "police_report_number", "op": "exists", "value": False},
                        {"field": "gas_smell", "op": "eq", "value": True},
                    ]
                },
            ]
        }
    )
    assert condition(prepare({"event_type": "fire"}))
    assert condition(prepare({"event_type": "fire", "police_report_number": ""}))  # an empty answer is no answer
    assert not condition(prepare({"event_type": "fire", "injuries": True}))
    assert not condition(prepare({"event_type": "loss"}))
    assert not condition(prepare({"event_type": "theft", "police_report_number": "1"}))
    assert condition(prepare({"event_type": "theft", "police_report_number": "1", "gas_smell": True}))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {
                "rules": [
                    {
                        "id": "a",
                        "category": "safety",
                        "audience": ["customer"],
                        "text": "t",
                        "when": {"field": "injurys", "op": "eq", "value": True},
                    }
                ]
            },
            "unknown field",
        ),
        ({"rules": [{"id": "a", "category": "urgent", "audience": ["customer"], "text": "t"}]}, "category"),
        (
            {
                "rules": [
                    {
                        "id": "a",
                        "category": "safety",
                        "audience": ["customer"],
                        "text": "t",
                        "when": {"field": "injuries"},
                    }
                ]
            },
            "exactly 'field', 'op' and 'value'",
        ),
        (
            {
                "rules": [
                    {"id": "a", "category": "safety", "audience": ["customer"], "text": "t"},
                    {"id": "a", "category": "safety", "audience": ["customer"], "text": "t"},
                ]
            },
            "duplicate",
        ),
    ],
)
def test_a_broken_rule_fails_compilation_not_a_request(document, message):
    with pytest.raises(GuidanceRuleError, match=message):
        compile_rules([("broken.json", document)])


CLAIMS_OF_ACTION = re.compile(
    r"\b(has been told|have been told|been notified|passed (it )?on|we (told|sent|informed|notified|texted|called|"
    r"passed|filed|contacted)|has been (sent|informed|contacted))\b",
    re.IGNORECASE,
)


def test_no_guidance_claims_an_action_the_platform_has_not_recorded():
    # Every sentence that says the platform did something applies only once that action is recorded
    for compiled in rulebook().rules:
        rule = compiled.rule
        if CLAIMS_OF_ACTION.search(rule.text):
            assert rule.when is not None and "done." in json.dumps(rule.when), rule.id
    # And with nothing recorded, no step a reporter sees makes such a claim, whatever the facts
    for audience in ("customer", "third_party"):
        for facts in ({}, {"event_type": "theft", "police_report_number": "NYPD-1"}, {"event_type": "found"}):
            steps = rulebook().evaluate(audience, facts, insurers=INSURERS, occurred_at=OCCURRED)
            assert not [s.text for s in steps if CLAIMS_OF_ACTION.search(s.text)], (audience, facts)


def test_guidance_states_a_recorded_action_with_its_time_and_only_then():
    # Given the owner has not been notified yet
    before = rulebook().evaluate("third_party", {"event_type": "theft"})
    assert "third-party-owner-notified" not in ids(before)
    assert "third-party-report-recorded" in ids(before)
    # When the platform records that it told the owner (the notifications component's hook)
    after = rulebook().evaluate("third_party", {"event_type": "theft"}, done={"owner_notified": "2026-12-01T14:02:00Z"})
    # Then the step says so, with the time it happened
    told = {s.rule_id: s.text for s in after}
    assert told["third-party-owner-notified"] == (
        "We told the owner on 1 December 2026, 14:02 UTC that you reported this."
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"text": "We told the owner at {done.owner_notified}."}, "without its condition reading it"),
        ({"text": "Call {insurer}."}, "unknown placeholder"),
        ({"when": {"field": "done.owner_texted", "op": "exists", "value": True}, "text": "t"}, "unknown field"),
        ({"when": {"field": "injuries", "op": "gt", "value": 1}, "text": "t"}, "does not apply"),
        ({"when": {"field": "description", "op": "eq", "value": "fire"}, "text": "t"}, "unknown field"),
    ],
)
def test_a_rule_quoting_an_action_it_does_not_require_or_reading_an_unknown_field_fails_compilation(rule, message):
    document = {"rules": [{"id": "a", "category": "information", "audience": ["third_party"], **rule}]}
    with pytest.raises(GuidanceRuleError, match=message):
        compile_rules([("broken.json", document)])
