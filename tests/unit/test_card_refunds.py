"""Refunds at the card processor simulator, through the HTTP payment adapter: money goes back to the card of a
charge, once per idempotency key, never more than was charged, and every refund can be listed."""

from __future__ import annotations

import json
import urllib.request

import pytest

from insure.payments.cards import Card
from insure.payments.processor import HttpCardProcessor
from insure.types import Money
from local.simulators.card_processor import CardProcessorSimulator


@pytest.fixture
def processor():
    simulator = CardProcessorSimulator()
    simulator.start()
    yield HttpCardProcessor(simulator.url), simulator
    simulator.stop()


def charged(adapter: HttpCardProcessor, amount: str, number: str = "4242424242424242") -> str:
    token = adapter.tokenize(Card(number, 12, 2030, "123"))
    result = adapter.charge(token.token, Money(amount=amount), idempotency_key=f"charge-{amount}", reference="pol")
    return result.charge_id


def listed(simulator: CardProcessorSimulator, charge_id: str | None = None) -> list[dict]:
    query = f"?charge_id={charge_id}" if charge_id else ""
    with urllib.request.urlopen(f"{simulator.url}/v1/refunds{query}") as response:
        return json.loads(response.read())["refunds"]


def test_a_refund_returns_part_of_a_charge_and_is_listed(processor):
    adapter, simulator = processor
    charge_id = charged(adapter, "100.00")
    # When part of the charge is refunded
    result = adapter.refund(charge_id, Money(amount="40.00"), idempotency_key="r1", reason="amendment")
    # Then the refund succeeds and the processor lists it against the charge
    assert result.refunded and result.refund_id.startswith("re_")
    (refund,) = listed(simulator, charge_id)
    assert refund == {
        "refund_id": result.refund_id,
        "charge_id": charge_id,
        "status": "succeeded",
        "amount": "40.00",
        "currency": "USD",
        "reason": "amendment",
    }


def test_a_repeated_key_refunds_once(processor):
    adapter, simulator = processor
    charge_id = charged(adapter, "100.00")
    first = adapter.refund(charge_id, Money(amount="10.00"), idempotency_key="same", reason="cancellation")
    again = adapter.refund(charge_id, Money(amount="10.00"), idempotency_key="same", reason="cancellation")
    assert first == again
    assert len(listed(simulator)) == 1


def test_refunds_never_exceed_the_charge(processor):
    adapter, simulator = processor
    charge_id = charged(adapter, "100.00")
    assert adapter.refund(charge_id, Money(amount="60.00"), idempotency_key="a", reason="x").refunded
    over = adapter.refund(charge_id, Money(amount="40.01"), idempotency_key="b", reason="x")
    assert (over.refunded, over.error) == (False, "amount_too_large")
    assert adapter.refund(charge_id, Money(amount="40.00"), idempotency_key="c", reason="x").refunded
    assert sum(float(r["amount"]) for r in listed(simulator, charge_id)) == 100.0


def test_an_unknown_or_declined_charge_cannot_be_refunded(processor):
    adapter, _ = processor
    declined = charged(adapter, "50.00", number="4000000000000002")
    for charge_id in ("ch_unknown", declined):
        result = adapter.refund(charge_id, Money(amount="1.00"), idempotency_key=f"k-{charge_id}", reason="x")
        assert (result.refunded, result.error) == (False, "resource_missing")
