"""The catalog on moto: rulebooks seeded into the table, GET /products, POST /quotes and intake refusals."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def seeded(platform, rulebooks):
    """Given the rulebooks of data/rulebooks published to the platform's table."""
    from insure.underwriting import reset_cache

    yield platform, rulebooks
    reset_cache()


def _quote(api, body):
    return api.post("/quotes", data=json.dumps(body), headers={"Content-Type": "application/json"})


LAPTOP = {"kind": "portable", "brand": "Dell", "model": "XPS 13", "purchase_year": 2025, "value": "1500.00"}


def test_seeding_publishes_every_rulebook_once_and_is_repeatable(seeded):
    from insure.products.rulebooks import default_store, seed_rulebooks

    _, labels = seeded
    assert "computer@2026.12.2" in labels
    assert len(labels) == 7
    # When seeded again, Then nothing changes and nothing fails (a deployment re-runs it)
    assert seed_rulebooks() == labels
    assert default_store().current_version("computer") == "2026.12.2"


def test_a_version_is_never_overwritten_with_other_content(seeded, tmp_path):
    from insure.errors import Conflict
    from insure.products.rulebooks import rulebooks_dir, seed_rulebooks

    changed = json.loads((rulebooks_dir() / "computer.json").read_text())
    changed["base_rate"] = "0.5"
    (tmp_path / "computer.json").write_text(json.dumps(changed))
    with pytest.raises(Conflict):
        seed_rulebooks(tmp_path)


def test_products_lists_each_product_with_states_limits_and_schema(seeded):
    platform, _ = seeded
    response = platform.api.get("/products")
    assert response.status_code == 200
    products = {p["product"]: p for p in response.get_json()["products"]}
    assert set(products) == {
        "computer",
        "property",
        "casualty",
        "disability",
        "accidental_death",
        "major_medical",
        "bundle",
    }
    computer = products["computer"]
    assert "NY" in computer["approved_states"] and "AK" not in computer["approved_states"]
    assert computer["limits"]["max_item_value"] == {"amount": "25000.00", "currency": "USD"}
    assert computer["limits"]["max_insured_value"] == {"amount": "100000.00", "currency": "USD"}
    assert computer["input_schema"]["properties"]["kind"]["enum"] == ["desktop", "portable", "handheld"]
    assert computer["rulebook_version"] == "computer@2026.12.2"
    assert products["casualty"]["applicant_types"] == ["business"]


def test_quote_is_priced_by_the_stored_rulebook_and_kept_for_the_application(seeded):
    from insure.underwriting.quotes import get_quote

    platform, _ = seeded
    response = _quote(platform.api, {"product": "computer", "state": "NY", "items": [LAPTOP]})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    # portable +0.25, business brand -0.05, theft state +0.15, and 2025 is new in 2026 (-0.05) or not in 2027
    line = body["breakdown"][0]
    assert line["base_rate"] == "0.035"
    assert body["premium"]["amount"] == line["premium"]["amount"]
    assert set(line["rule_ids"]) >= {"CMP-F-PORTABLE", "CMP-F-BUSINESS-BRAND", "CMP-F-THEFT-STATE"}
    assert body["expires_at"].endswith("Z") or "+00:00" in body["expires_at"]
    stored = get_quote(body["quote_id"])
    assert stored is not None
    assert stored.result.premium.amount == body["premium"]["amount"]
    assert get_quote("q_unknown") is None


def test_quote_for_a_state_outside_the_list_is_a_field_error(seeded):
    platform, _ = seeded
    response = _quote(platform.api, {"product": "computer", "state": "AK", "items": [LAPTOP]})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    fields = [e["field"] for e in response.get_json()["errors"]]
    assert fields == ["state"]


def test_quote_over_the_item_limit_names_the_item_value(seeded):
    platform, _ = seeded
    items = [LAPTOP, {**LAPTOP, "value": "30000.00"}]
    response = _quote(platform.api, {"product": "computer", "state": "NY", "items": items})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["items[1].value"]
    assert "$25,000.00" in errors[0]["message"]


def test_quote_of_a_malformed_item_names_the_field_without_the_union_tag(seeded):
    platform, _ = seeded
    response = _quote(platform.api, {"product": "computer", "state": "NY", "items": [{**LAPTOP, "kind": "tower"}]})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["items[0].kind"]


def test_quote_of_a_barred_item_is_refused_with_the_rule_in_words(seeded):
    platform, _ = seeded
    old_phone = {"kind": "handheld", "brand": "Apple", "purchase_year": 2015, "value": "400.00"}
    response = _quote(platform.api, {"product": "computer", "state": "NY", "items": [old_phone]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors[0]["field"] == "items[0]"
    assert errors[0]["message"] == "Computers bought eight or more years ago are not insured."


def test_age_rated_quote_needs_a_date_of_birth(seeded):
    platform, _ = seeded
    body = {"product": "accidental_death", "state": "NY", "items": [{"value": "100000.00"}]}
    response = _quote(platform.api, body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["date_of_birth"]
    response = _quote(platform.api, {**body, "date_of_birth": "1980-01-01"})
    assert response.status_code == 200


def test_a_rulebook_whose_conditions_do_not_compile_is_never_stored(seeded, tmp_path):
    from insure.conditions import ConditionError
    from insure.products.rulebooks import default_store, rulebooks_dir, seed_rulebooks

    broken = json.loads((rulebooks_dir() / "computer.json").read_text())
    broken["version"] = "2099.1.1"
    broken["rate_factors"][0]["condition"] = {"field": "item.colour", "op": "eq", "value": "red"}
    (tmp_path / "computer.json").write_text(json.dumps(broken))
    with pytest.raises(ConditionError, match=r"item\.colour"):
        seed_rulebooks(tmp_path)
    store = default_store()
    assert store.current_version("computer") == "2026.12.2"
    assert store.document("computer", "2099.1.1") is None


def test_a_quote_repeated_with_the_same_idempotency_key_is_the_first_one(seeded):
    platform, _ = seeded
    body = json.dumps({"product": "computer", "state": "NY", "items": [LAPTOP]})
    headers = {"Content-Type": "application/json", "Idempotency-Key": "quote-key-1"}
    first = platform.api.post("/quotes", data=body, headers=headers)
    again = platform.api.post("/quotes", data=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json()["quote_id"] == first.get_json()["quote_id"]
    # the same key with another body is refused; without a key every request is a new quote
    other = json.dumps({"product": "computer", "state": "NJ", "items": [LAPTOP]})
    assert platform.api.post("/quotes", data=other, headers=headers).status_code == 422
    plain = {"Content-Type": "application/json"}
    assert (
        platform.api.post("/quotes", data=body, headers=plain).get_json()["quote_id"]
        != platform.api.post("/quotes", data=body, headers=plain).get_json()["quote_id"]
    )


def test_a_fresh_deployment_seeds_the_shipped_rulebook_on_first_read(platform):
    # Given a table with no rulebook stored (as right after `cdk deploy`)
    from insure.products.rulebooks import default_store
    from insure.underwriting import current_rulebook, reset_cache

    reset_cache()
    assert default_store().current_version("computer") is None
    # When the product's rulebook is first needed
    book = current_rulebook("computer")
    # Then the rulebook shipped with the code is stored and current, and decides
    assert default_store().current_version("computer") == book.version
