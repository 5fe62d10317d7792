"""The card processor simulator and the HTTP payment adapter, talking over a real local port."""

from __future__ import annotations

import pytest

from insure.payments.cards import Card
from insure.payments.processor import HttpCardProcessor
from insure.types import Money
from local.simulators.card_processor import CardProcessorSimulator


@pytest.fixture(scope="module")
def processor():
    simulator = CardProcessorSimulator()
    simulator.start()
    yield HttpCardProcessor(simulator.url), simulator
    simulator.stop()


def test_tokenizes_a_card_keeping_brand_and_last_four(processor):
    adapter, simulator = processor
    token = adapter.tokenize(Card("4242424242424242", 12, 2030, "123"))
    assert token.token.startswith("tok_")
    assert (token.brand, token.last4) == ("visa", "4242")
    assert adapter.describe(token.token) == token
    assert "4242424242424242" not in repr(simulator.tokens)


@pytest.mark.parametrize(
    ("number", "approved", "code"),
    [
        ("4242424242424242", True, None),
        ("4000000000000002", False, "card_declined"),
        ("4000000000009995", False, "insufficient_funds"),
    ],
)
def test_test_cards_charge_as_documented(processor, number, approved, code):
    adapter, _ = processor
    token = adapter.tokenize(Card(number, 12, 2030, "123"))
    result = adapter.charge(token.token, Money(amount="52.50"), idempotency_key=f"k-{number}", reference="app")
    assert result.approved is approved
    assert result.decline_code == code


def test_a_repeated_idempotency_key_returns_the_first_charge(processor):
    adapter, simulator = processor
    token = adapter.tokenize(Card("4242424242424242", 12, 2030, "123"))
    first = adapter.charge(token.token, Money(amount="10.00"), idempotency_key="once", reference="a")
    again = adapter.charge(token.token, Money(amount="10.00"), idempotency_key="once", reference="a")
    assert first.charge_id == again.charge_id
    assert sum(1 for c in simulator.charges.values() if c["charge_id"] == first.charge_id) == 1


def test_an_unreachable_processor_is_a_transient_error():
    from insure.errors import TransientError

    with pytest.raises(TransientError):
        HttpCardProcessor("http://127.0.0.1:9").describe("tok_x")


def test_a_card_kept_at_the_processor_is_charged_later_without_the_customer(processor):
    import json
    import urllib.request

    adapter, simulator = processor
    token = adapter.tokenize(Card("4242424242424242", 12, 2030, "123"))
    # Given the card kept for a customer (twice under one key: one customer, one payment method)
    saved = adapter.save_card(token.token, reference="app_1", idempotency_key="bind-1")
    assert adapter.save_card(token.token, reference="app_1", idempotency_key="bind-1") == saved
    assert saved.customer_id.startswith("cus_") and saved.payment_method_id.startswith("pm_")
    assert (saved.brand, saved.last4) == ("visa", "4242")
    # When it is charged off-session, Then the charge has an order id and an authorization; a repeat key is one charge
    first = adapter.charge_saved(saved, Money(amount="5.58"), idempotency_key="inst-2", reference="P-1")
    assert first.approved and first.charge_id.startswith("ch_") and first.authorization_id
    assert adapter.charge_saved(saved, Money(amount="5.58"), idempotency_key="inst-2", reference="P-1") == first
    charge = simulator.charges["inst-2"]
    assert charge["off_session"] is True and charge["payment_method"] == saved.payment_method_id
    # When the test helper makes the card decline, Then later charges fail until it is cleared
    helper = f"{simulator.url}/v1/test_helpers/payment_methods/{saved.payment_method_id}/decline"
    request = urllib.request.Request(helper, data=json.dumps({"decline_code": "insufficient_funds"}).encode())
    urllib.request.urlopen(request).close()
    declined = adapter.charge_saved(saved, Money(amount="5.50"), idempotency_key="inst-3", reference="P-1")
    assert (declined.approved, declined.decline_code, declined.authorization_id) == (False, "insufficient_funds", None)
    urllib.request.urlopen(urllib.request.Request(helper, method="DELETE")).close()
    assert adapter.charge_saved(saved, Money(amount="5.50"), idempotency_key="inst-3b", reference="P-1").approved
    # And the processor never holds the number
    assert "4242424242424242" not in repr(simulator.payment_methods) + repr(simulator.customers)
