"""The request models of quotes and applications: objective inputs per coverage, readable error locations."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from insure.products.models import ApplicationInput, ComputerItem, PropertyItem, QuoteRequest

ADDRESS = {"line1": "1 Main St", "city": "New York", "state": "NY", "zip": "10001"}
PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "phone": "+12125550100",
    "occupation": "Engineer",
    "address": ADDRESS,
}
LAPTOP = {"kind": "portable", "brand": "Dell", "value": "1500.00"}


def locations(error: ValidationError) -> list[tuple]:
    return [e["loc"] for e in error.errors()]


def test_items_of_a_single_product_request_take_the_product_as_their_coverage():
    request = QuoteRequest.model_validate({"product": "computer", "state": "ny", "items": [LAPTOP]})
    assert isinstance(request.items[0], ComputerItem)
    assert request.state == "NY"
    assert request.coverages() == ["computer"]


def test_an_item_error_is_located_without_the_union_tag():
    with pytest.raises(ValidationError) as invalid:
        QuoteRequest.model_validate({"product": "computer", "state": "NY", "items": [{**LAPTOP, "value": "1.001"}]})
    assert locations(invalid.value) == [("items", 0, "value")]


def test_an_applicant_error_is_located_without_the_union_tag():
    person = {k: v for k, v in PERSON.items() if k != "last_name"}
    with pytest.raises(ValidationError) as invalid:
        ApplicationInput.model_validate(
            {"product": "computer", "state": "NY", "applicant_type": "personal", "applicant": person, "items": [LAPTOP]}
        )
    assert locations(invalid.value) == [("applicant", "last_name")]


def test_bundle_items_name_their_coverage():
    request = QuoteRequest.model_validate(
        {
            "product": "bundle",
            "state": "OH",
            "items": [
                {**LAPTOP, "coverage": "computer"},
                {
                    "coverage": "property",
                    "construction": "frame",
                    "occupancy": "owner_occupied",
                    "fire_protection": "none",
                    "year_built": 1970,
                    "value": "250000.00",
                },
            ],
        }
    )
    assert isinstance(request.items[1], PropertyItem)
    assert request.coverages() == ["computer", "property"]
    with pytest.raises(ValidationError):
        QuoteRequest.model_validate({"product": "bundle", "state": "OH", "items": [LAPTOP]})


def test_money_is_a_decimal_string_with_two_places_and_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as invalid:
        QuoteRequest.model_validate({"product": "computer", "state": "NY", "items": [{**LAPTOP, "colour": "red"}]})
    assert locations(invalid.value) == [("items", 0, "colour")]
    item = QuoteRequest.model_validate({"product": "computer", "state": "NY", "items": [{**LAPTOP, "value": "99"}]})
    assert str(item.items[0].value) == "99.00"


def test_the_application_schema_publishes_every_coverage():
    schema = ApplicationInput.model_json_schema()
    for name in ("ComputerItem", "PropertyItem", "CasualtyItem", "DisabilityItem", "AccidentalDeathItem"):
        assert name in schema["$defs"]
