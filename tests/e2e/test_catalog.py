"""The catalog over HTTP, as a client sees it: products on sale, a quote, an intake refusal."""

from __future__ import annotations


def test_products_and_a_quote_over_http(cloud):
    # Given the running local cloud (rulebooks seeded at start)
    products = cloud.http.get(f"{cloud.url}/products")
    assert products.status_code == 200
    computer = next(p for p in products.json()["products"] if p["product"] == "computer")
    assert "NY" in computer["approved_states"]
    assert computer["limits"]["max_item_value"]["currency"] == "USD"

    # When a person asks for a quote for a laptop in New York
    body = {"product": "computer", "state": "NY", "items": [{"kind": "portable", "brand": "Dell", "value": "1500.00"}]}
    quote = cloud.http.post(f"{cloud.url}/quotes", json=body)

    # Then a premium comes back with a quote id and an expiry, and the rules that priced it
    assert quote.status_code == 200, quote.text
    answer = quote.json()
    assert answer["quote_id"]
    assert answer["premium"]["currency"] == "USD" and float(answer["premium"]["amount"]) > 0
    assert answer["expires_at"]
    assert answer["breakdown"][0]["rule_ids"]
    assert answer["rulebook_version"] == computer["rulebook_version"]


def test_a_quote_in_a_state_outside_the_list_is_refused_with_a_field_error(cloud):
    body = {"product": "computer", "state": "AK", "items": [{"kind": "desktop", "brand": "HP", "value": "800.00"}]}
    response = cloud.http.post(f"{cloud.url}/quotes", json=body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["state"]
