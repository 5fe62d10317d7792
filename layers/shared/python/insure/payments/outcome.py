"""What a payment attempt ended in, as the idempotency store replays it for a repeated Idempotency-Key."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from insure.errors import Conflict, DomainError, PaymentDeclined

if TYPE_CHECKING:
    from pydantic import BaseModel

    from insure.applications.ports import Idempotency
    from insure.payments.processor import CardProcessor, CardToken


class IdempotencyKeyMissing(DomainError):
    status, title, slug = 400, "Idempotency-Key required", "idempotency-key-required"


@dataclass(frozen=True)
class Outcome:
    """A payment's outcome (application or amendment): its view (200 issued, 202 still running), or why it was
    refused (`declined`: the processor's decline; `ended`: it expired or failed meanwhile), which `raise_refusal`
    raises as a domain error, so the problem is built where every other one is (`insure.http.problems`)."""

    status_code: int
    body: dict[str, Any]
    refused: str | None = None

    def raise_refusal(self) -> Outcome:
        members = {k: v for k, v in self.body.items() if k != "detail"}
        if self.refused == "declined":
            raise PaymentDeclined(self.body["detail"], extensions=members)
        if self.refused == "ended":
            raise Conflict(self.body["detail"], extensions=members)
        return self


def required_key(idempotency_key: str | None) -> str:
    """A payment's Idempotency-Key, stripped; IdempotencyKeyMissing (400) without one. Checked before the payment's
    subject is looked up: a request without it is malformed, whatever state that subject is in."""
    if not idempotency_key or not idempotency_key.strip():
        raise IdempotencyKeyMissing("Send an Idempotency-Key header (any unique string) with each payment.")
    return idempotency_key.strip()


def pay_once(
    idempotency: Idempotency,
    scope: str,
    *,
    idempotency_key: str | None,
    body: BaseModel,
    fingerprint_key: Callable[[], bytes],
    pay: Callable[[], Outcome],
) -> Outcome:
    """`pay()` once per Idempotency-Key in `scope` (an application's or amendment's payments): a repeat gets the
    first outcome, another body with the same key is 422, no key is 400; a refusal is raised (`raise_refusal`).
    The store keeps a keyed digest of the body, never a hash a card number could be guessed from."""
    key = required_key(idempotency_key)
    fingerprint = hmac.new(
        fingerprint_key(), json.dumps(body.model_dump(mode="json"), sort_keys=True).encode(), hashlib.sha256
    ).hexdigest()
    result = idempotency.run_once(scope, key, fingerprint, lambda: asdict(pay()))
    return Outcome(**result).raise_refusal()


def card_token(cards: CardProcessor, body: Any, *, client_reference: str) -> CardToken:
    """What a payment request (application or amendment) pays with: its card, validated and exchanged at `cards`
    for a token created for `client_reference`, or the processor token it names."""
    from insure.payments.cards import Card
    from insure.payments.processor import tokenize_with

    if body.card is not None:
        card = body.card
        typed = Card(card.number, card.exp_month, card.exp_year, card.cvc, card.holder)
        return tokenize_with(cards, typed, client_reference=client_reference)
    return cards.describe(str(body.payment_token))


def settled(
    status: str, subject: str, ids: dict[str, str], shown: BaseModel, declined: Callable[[], dict[str, Any]]
) -> Outcome:
    """What a payment that finished waiting ended in: declined (402, `declined()`'s members), the `subject`
    (application, amendment) expired or failed meanwhile (409), else its view (200 issued, 202 still running)."""
    if status == "payment_failed":
        return Outcome(402, {**declined(), **ids}, refused="declined")
    if status in {"expired", "failed"}:
        return Outcome(409, {"detail": f"The {subject} is {status}.", **ids}, refused="ended")
    return Outcome(200 if status == "issued" else 202, shown.model_dump(mode="json"))
