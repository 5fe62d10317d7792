"""The offer made after an approval: the premium, the terms as a document (`insure.applications.terms`), their
SHA-256 (which acceptance must echo, as proof of what was shown) and when the offer lapses."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from insure import timestamps
from insure.applications.terms import render_terms
from insure.errors import Conflict, FieldError, RuleViolation
from insure.timestamps import rfc3339


@dataclass(frozen=True)
class Offer:
    offer_id: str
    premium: dict[str, str]
    terms: str
    terms_sha256: str
    terms_url: str
    expires_at: str
    acceptance_timeout_s: int
    payment_timeout_s: int
    payment_plans: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The offer as stored on the application and shown to the person (without the terms text)."""
        return {
            "offer_id": self.offer_id,
            "premium": self.premium,
            "terms_url": self.terms_url,
            "terms_sha256": self.terms_sha256,
            "expires_at": self.expires_at,
            "payment_plans": self.payment_plans,
        }


def make_offer(
    application_id: str,
    application: dict[str, Any],
    premium: dict[str, str],
    *,
    offer_ttl_s: int,
    session_expires_at_epoch: int,
    public_base_url: str,
    now: dt.datetime | None = None,
    payment_plans: list[dict[str, Any]] | None = None,
    grace_days: int = 10,
    minimum_premium: Decimal = Decimal("0.00"),
) -> Offer:
    """An offer that lapses after `offer_ttl_s` or at the end of the session, whichever comes first, with the
    payment plans the rulebook offers (each plan's schedule if the policy is issued today)."""
    now = now or timestamps.current()
    session_left = max(1, int(session_expires_at_epoch - now.timestamp()))
    acceptance_timeout = max(1, min(offer_ttl_s, session_left))
    expires_at = rfc3339(now + dt.timedelta(seconds=acceptance_timeout))
    terms = render_terms(
        application_id,
        application,
        premium,
        expires_at=expires_at,
        payment_plans=payment_plans,
        grace_days=grace_days,
        minimum_premium=minimum_premium,
    )
    return Offer(
        offer_id=uuid.uuid4().hex,
        premium=premium,
        terms=terms,
        terms_sha256=hashlib.sha256(terms.encode()).hexdigest(),
        terms_url=f"{public_base_url.rstrip('/')}/applications/{application_id}/terms",
        expires_at=expires_at,
        acceptance_timeout_s=acceptance_timeout,
        payment_timeout_s=session_left,
        payment_plans=list(payment_plans or []),
    )


class Offered(Protocol):
    """An application or an amendment, as its acceptance reads it."""

    @property
    def status(self) -> str: ...

    @property
    def offer(self) -> dict[str, Any] | None: ...

    @property
    def acceptance(self) -> dict[str, Any] | None: ...

    @property
    def task_token(self) -> str | None: ...

    @property
    def task_kind(self) -> str | None: ...


def acceptance_of(record: Offered, what: str, offer_id: str, terms_sha256: str) -> tuple[str, dict[str, Any]] | None:
    """Electronic acceptance of `record`'s offer (`what`: "application" or "amendment"): the offer id and the hash of
    the terms shown must match it (422 naming the field), it must be offered, unexpired and awaiting acceptance (409).
    None for a repeat of the acceptance already made; otherwise the waiting task's token and the acceptance to
    record."""
    offer = record.offer or {}
    same = offer.get("offer_id") == offer_id and hmac.compare_digest(str(offer.get("terms_sha256", "")), terms_sha256)
    if record.status != "offered":
        if same and record.acceptance is not None:
            return None
        raise Conflict(f"The {what} is {record.status}; only an offered {what} can be accepted.")
    if offer.get("offer_id") != offer_id:
        message = f"This is not the offer made on this {what}."
        raise RuleViolation(message, errors=[FieldError("offer_id", message)])
    if not same:
        message = "This hash does not match the terms offered; fetch terms_url and hash what was shown."
        raise RuleViolation(message, errors=[FieldError("terms_sha256", message)])
    if offer.get("expires_at", "") <= rfc3339(timestamps.current()):
        raise Conflict("The offer has expired.")
    token = record.task_token
    if not token or record.task_kind != "acceptance":
        raise Conflict("The offer is not awaiting acceptance.")
    return token, {"offer_id": offer_id, "terms_sha256": terms_sha256, "at": rfc3339(timestamps.current())}
