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
