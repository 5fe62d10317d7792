"""Underwriting as people met it: discounts that count the right things, old buildings priced rather than refused,
and declines that say only why they were declined. Each runs against the stored rulebooks in data/rulebooks."""

from __future__ import annotations

import datetime

import pytest
from pydantic import ValidationError

from insure.errors import RuleViolation
from insure.products.models import ApplicationInput, QuoteRequest
from insure.products.rulebooks import parse_document, rulebook_files
from insure.underwriting import engine
from insure.underwriting.models import Decision

TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)
PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "phone": "+12125550100",
    "occupation": "engineer",
    "address": {"line1": "1 Main St", "city": "Columbus", "state": "OH", "zip": "43004"},
}
LAPTOP = {"coverage": "computer", "kind": "portable", "brand": "Dell", "purchase_year": 2025, "value": "1500.00"}


def building(**changes: object) -> dict[str, object]:
    return {
        "coverage": "property",
        "construction": "masonry",
        "occupancy": "owner_occupied",
        "fire_protection": "hydrant_and_station",
        "year_built": 1990,
        "value": "300000.00",
        **changes,
    }


CASUALTY = {
    "coverage": "casualty",
    "sic_code": "5812",
    "annual_revenue": "900000.00",
    "employees": 12,
    "years_in_business": 8,
    "value": "1000000.00",
}


def books(product: str, coverages: list[str]) -> engine.Books:
    files = rulebook_files()
    return engine.books_for(lambda p: engine.compile_rulebook(parse_document(files[p])), product, coverages)


def decide(product: str, items: list[dict[str, object]], applicant_type: str = "personal") -> Decision:
    applicant = PERSON
    if applicant_type == "business":
        applicant = {k: v for k, v in PERSON.items() if k not in {"first_name", "last_name", "date_of_birth"}}
        applicant = {**applicant, "company_name": "Initech", "contact_name": "Bill"}
        applicant.pop("occupation")
    application = ApplicationInput.model_validate(
        {"product": product, "state": "OH", "applicant_type": applicant_type, "applicant": applicant, "items": items}
    )
    return engine.decide(books(product, application.coverages()), application, today=TODAY, now=NOW)


def applied(decision: Decision, item: int) -> list[str]:
    return decision.breakdown[item].rule_ids


def test_a_bundle_with_one_computer_among_three_items_gets_no_several_systems_discount():
    # Given a business bundle of one laptop, one building and its liability: three items, one computer system
    decision = decide("bundle", [LAPTOP, building(), CASUALTY], applicant_type="business")
    # Then the laptop is not discounted as one of "three or more systems"
    assert decision.approved, decision.reasons
    assert "CMP-F-SEVERAL-SYSTEMS" not in applied(decision, 0)
    assert "BND-F-THREE-COVERAGES" in applied(decision, 0)  # the bundle's own discount for three coverages stays


def test_three_computers_in_a_bundle_still_get_the_several_systems_discount():
    desktop = {**LAPTOP, "kind": "desktop"}
    decision = decide("bundle", [LAPTOP, desktop, {**LAPTOP, "brand": "HP"}, building()])
    assert decision.approved, decision.reasons
    assert all("CMP-F-SEVERAL-SYSTEMS" in applied(decision, i) for i in range(3))
    assert "CMP-F-SEVERAL-SYSTEMS" not in applied(decision, 3)


@pytest.mark.parametrize("year_built", [1850, 1899, 1925])
def test_a_building_from_1850_onwards_is_priced_with_its_age_as_a_rate_factor(year_built):
    # When a Victorian (or older) house is quoted and underwritten
    request = QuoteRequest.model_validate(
        {"product": "property", "state": "OH", "items": [building(year_built=year_built)]}
    )
    quote = engine.price(books("property", ["property"]), request, today=TODAY)
    decision = decide("property", [building(year_built=year_built)])
    # Then it is insured, and its age raises the premium over a 1990 house
    age_factor = "PRP-F-HISTORIC-BUILDING" if TODAY.year - year_built > 100 else "PRP-F-OLD-BUILDING"
    assert decision.approved, decision.reasons
    assert age_factor in applied(decision, 0)
    assert quote.breakdown[0].rule_ids == applied(decision, 0)
    newer = decide("property", [building(year_built=1990)])
    assert decision.premium is not None and newer.premium is not None
    assert decision.premium.decimal > newer.premium.decimal


def test_a_building_before_1850_is_refused_with_a_field_error():
    with pytest.raises(ValidationError) as invalid:
        QuoteRequest.model_validate({"product": "property", "state": "OH", "items": [building(year_built=1849)]})
    assert [e["loc"][-1] for e in invalid.value.errors()] == ["year_built"]


def test_a_decline_lists_the_rules_that_declined_it_and_no_discount():
    # Given a vacant masonry building next to a hydrant: discounts apply, and a bar
    decision = decide("property", [building(occupancy="vacant", monitored_alarm=True)])
    # Then the decline gives the bar, and none of the discounts as a reason
    assert not decision.approved
    assert [(r.rule_id, r.kind) for r in decision.reasons] == [("PRP-B-VACANT", "bar")]
    # while the breakdown still shows how the item would have been rated
    assert {"PRP-F-MASONRY", "PRP-F-FULL-PROTECTION", "PRP-F-ALARM"} <= set(applied(decision, 0))


def test_an_approval_lists_the_rate_factors_that_priced_it():
    decision = decide("property", [building(monitored_alarm=True)])
    assert decision.approved
    assert {r.rule_id for r in decision.reasons} == set(applied(decision, 0))
    assert {r.kind for r in decision.reasons} == {"rate_factor"}


def test_quoting_an_item_a_bar_refuses_names_only_the_bar():
    request = QuoteRequest.model_validate(
        {"product": "property", "state": "OH", "items": [building(occupancy="vacant")]}
    )
    with pytest.raises(RuleViolation) as refused:
        engine.price(books("property", ["property"]), request, today=TODAY)
    assert [e.message for e in refused.value.errors] == ["Vacant buildings are not insured."]  # PRP-B-VACANT
