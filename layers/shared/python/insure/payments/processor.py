"""The payment adapter: the platform's only door to the card processor, and the only code that sees a card number
or CVC. It tokenizes a card (keeping brand and last four), charges a token with an idempotency key, keeps a card at
the processor as a reusable payment method (a customer and a payment method id, never the number) and charges it
later (installments, renewals)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from insure.errors import FieldError, RuleViolation, TransientError
from insure.payments.cards import Card, digits_only, problems
from insure.types import Money

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class CardToken:
    """What the platform may keep about a card."""

    token: str
    brand: str
    last4: str
    client_reference: str | None = None  # what the token was created for (our application or amendment id)


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    charge_id: str  # the processor's order id for this charge
    decline_code: str | None = None
    message: str | None = None
    authorization_id: str | None = None  # the issuer's authorization, when approved


@dataclass(frozen=True)
class SavedCard:
    """A card kept at the processor for later charges: the processor's customer and payment method ids (the
    platform never holds the number), with what may be shown."""

    customer_id: str
    payment_method_id: str
    brand: str
    last4: str


@dataclass(frozen=True)
class RefundResult:
    refunded: bool
    refund_id: str
    error: str | None = None


class CardProcessor(Protocol):
    def tokenize(self, card: Card, *, client_reference: str | None = None) -> CardToken: ...

    def describe(self, token: str) -> CardToken: ...

    def charge(self, token: str, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult: ...

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str, reason: str) -> RefundResult: ...

    def save_card(self, token: str, *, reference: str, idempotency_key: str) -> SavedCard: ...

    def charge_saved(self, card: SavedCard, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult: ...


class HttpCardProcessor:
    """A processor with a Stripe-like HTTP API (`/v1/tokens`, `/v1/charges`); locally, the simulator."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the processor URL comes from settings
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise TransientError(f"card processor answered {error.code}") from None
            try:
                payload = json.loads(error.read() or b"{}")
            except ValueError:
                payload = {}
            return error.code, payload
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TransientError(f"card processor unreachable: {type(error).__name__}") from None

    def tokenize(self, card: Card, *, client_reference: str | None = None) -> CardToken:
        status, body = self._call(
            "POST",
            "/v1/tokens",
            {
                "number": digits_only(card.number),
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "cvc": card.cvc,
                "holder": card.holder,
                "client_reference": client_reference,
            },
        )
        if status != 201:
            message = str(body.get("error", {}).get("message") or "The card was refused by the processor.")
            raise RuleViolation(message, errors=[FieldError("card.number", message)])
        return _card_token(body)

    def describe(self, token: str) -> CardToken:
        status, body = self._call("GET", f"/v1/tokens/{urllib.parse.quote(token, safe='')}")
        if status != 200:
            message = "This payment token is not known to the card processor."
            raise RuleViolation(message, errors=[FieldError("payment_token", message)])
        return _card_token(body)

    def charge(self, token: str, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult:
        status, body = self._call(
            "POST",
            "/v1/charges",
            {"token": token, "amount": amount.amount, "currency": amount.currency, "reference": reference},
            **{"Idempotency-Key": idempotency_key},
        )
        if status not in (200, 201):
            return ChargeResult(False, "", body.get("error", {}).get("code", "processing_error"), "Charge refused.")
        return _charge_result(body)

    def save_card(self, token: str, *, reference: str, idempotency_key: str) -> SavedCard:
        """Keep the card behind a single-use `token` at the processor: a customer (one per `reference`, e.g. the
        application) with the card attached as a reusable payment method. Idempotent per key."""
        status, customer = self._call(
            "POST", "/v1/customers", {"reference": reference}, **{"Idempotency-Key": f"{idempotency_key}:customer"}
        )
        if status not in (200, 201):
            raise TransientError(f"the processor did not create the customer ({status})")
        customer_id = str(customer["customer_id"])
        status, method = self._call(
            "POST",
            f"/v1/customers/{urllib.parse.quote(customer_id, safe='')}/payment_methods",
            {"token": token},
            **{"Idempotency-Key": f"{idempotency_key}:payment_method"},
        )
        if status not in (200, 201):
            message = str(method.get("error", {}).get("message") or "The card could not be kept for later payments.")
            raise RuleViolation(message, errors=[FieldError("payment_token", message)])
        return SavedCard(customer_id, str(method["payment_method_id"]), str(method["brand"]), str(method["last4"]))

    def charge_saved(self, card: SavedCard, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult:
        """Charge a kept card (the customer is not present: an installment or a renewal). Once per key."""
        status, body = self._call(
            "POST",
            "/v1/charges",
            {
                "customer": card.customer_id,
                "payment_method": card.payment_method_id,
                "amount": amount.amount,
                "currency": amount.currency,
                "reference": reference,
                "off_session": True,
            },
            **{"Idempotency-Key": idempotency_key},
        )
        if status not in (200, 201):
            return ChargeResult(False, "", body.get("error", {}).get("code", "processing_error"), "Charge refused.")
        return _charge_result(body)

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str, reason: str) -> RefundResult:
        """Return `amount` of a charge to the card it was made with (once per idempotency key)."""
        status, body = self._call(
            "POST",
            "/v1/refunds",
            {"charge_id": charge_id, "amount": amount.amount, "currency": amount.currency, "reason": reason},
            **{"Idempotency-Key": idempotency_key},
        )
        if status not in (200, 201) or body.get("status") != "succeeded":
            return RefundResult(False, "", body.get("error", {}).get("code", "refund_failed"))
        return RefundResult(True, body["refund_id"])


def _card_token(body: dict[str, Any]) -> CardToken:
    reference = body.get("client_reference")
    return CardToken(
        token=body["token"],
        brand=body["brand"],
        last4=body["last4"],
        client_reference=str(reference) if reference else None,
    )


def _charge_result(body: dict[str, Any]) -> ChargeResult:
    approved = body.get("status") == "succeeded"
    return ChargeResult(
        approved,
        str(body.get("charge_id", "")),
        body.get("decline_code"),
        body.get("message"),
        body.get("authorization_code") if approved else None,
    )


def tokenize_with(cards: CardProcessor, card: Card, *, client_reference: str | None = None) -> CardToken:
    """Validate `card` (Luhn, expiry, CVC) and exchange it at `cards` for a processor token created for
    `client_reference` (the application or amendment it pays); raises RuleViolation before `cards` is reached."""
    _refuse_invalid(card)
    return cards.tokenize(card, client_reference=client_reference)


def _refuse_invalid(card: Card) -> None:
    found = problems(card)
    if found:
        raise RuleViolation("The card details are not valid.", errors=found)
