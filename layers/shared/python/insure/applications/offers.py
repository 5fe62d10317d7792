"""The offer made after an approval: the premium, the terms as a document, their SHA-256 (which acceptance must
echo, as proof of what was shown) and when the offer lapses."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

TERMS_VERSION = "2026-01"


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

    def public(self) -> dict[str, Any]:
        """The offer as stored on the application and shown to the person (without the terms text)."""
        return {
            "offer_id": self.offer_id,
            "premium": self.premium,
            "terms_url": self.terms_url,
            "terms_sha256": self.terms_sha256,
            "expires_at": self.expires_at,
        }


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def terms_document(application_id: str, application: dict[str, Any], premium: dict[str, str]) -> str:
    """The terms shown to the person, as plain text (what the hash covers)."""
    applicant = application.get("applicant", {})
    insured = applicant.get("company_name") or f"{applicant.get('first_name', '')} {applicant.get('last_name', '')}"
    lines = [
        f"INSURANCE OFFER - TERMS AND CONDITIONS (version {TERMS_VERSION})",
        f"Application: {application_id}",
        f"Product: {application.get('product')}    State: {application.get('state')}",
        f"Insured: {insured.strip()}",
        f"Annual premium: {premium['amount']} {premium['currency']}",
        "Covered items:",
    ]
    for index, item in enumerate(application.get("items", []), start=1):
        described = ", ".join(
            f"{k}={v}" for k, v in item.items() if k not in {"description", "notes"} and v not in (None, [], "")
        )
        lines.append(f"  {index}. {described}")
    lines += [
        "1. Coverage begins on the effective date shown on the policy and lasts one year.",
        "2. The premium is due in full at issuance; coverage does not begin until it is paid.",
        "3. Statements in the application are the basis of this insurance; material misstatements void it.",
        "4. Claims must be reported promptly and no later than 30 days after the loss.",
        "5. Either party may cancel with 30 days' written notice; unearned premium is refunded pro rata.",
    ]
    return "\n".join(lines) + "\n"


def make_offer(
    application_id: str,
    application: dict[str, Any],
    premium: dict[str, str],
    *,
    offer_ttl_s: int,
    session_expires_at_epoch: int,
    public_base_url: str,
    now: dt.datetime | None = None,
) -> Offer:
    """An offer that lapses after `offer_ttl_s` or at the end of the session, whichever comes first."""
    now = now or dt.datetime.now(dt.UTC)
    session_left = max(1, int(session_expires_at_epoch - now.timestamp()))
    acceptance_timeout = max(1, min(offer_ttl_s, session_left))
    terms = terms_document(application_id, application, premium)
    return Offer(
        offer_id=uuid.uuid4().hex,
        premium=premium,
        terms=terms,
        terms_sha256=hashlib.sha256(terms.encode()).hexdigest(),
        terms_url=f"{public_base_url.rstrip('/')}/applications/{application_id}/terms",
        expires_at=rfc3339(now + dt.timedelta(seconds=acceptance_timeout)),
        acceptance_timeout_s=acceptance_timeout,
        payment_timeout_s=session_left,
    )
