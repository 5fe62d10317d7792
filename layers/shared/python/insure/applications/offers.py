"""The offer made after an approval: the premium, the terms as a document (`insure.applications.terms`), their
SHA-256 (which acceptance must echo, as proof of what was shown) and when the offer lapses."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from insure import timestamps
from insure.applications.terms import render_terms
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
