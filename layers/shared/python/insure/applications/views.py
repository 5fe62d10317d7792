"""The application as clients see it (`ApplicationView`), from the stored record."""

from __future__ import annotations

from typing import Any

from insure.applications.models import AcceptanceView, ApplicationView, OfferView, PaymentView
from insure.applications.repository import ApplicationRecord
from insure.applications.status import MAX_PAYMENT_ATTEMPTS
from insure.timestamps import from_epoch


def view(record: ApplicationRecord) -> ApplicationView:
    """The application as clients see it."""
    from insure.underwriting.models import Decision

    stored = record.input
    payment = None
    if record.payment or record.payment_attempts:
        shown = record.payment or {}
        payment = PaymentView(
            brand=shown.get("brand"),
            last4=shown.get("last4"),
            attempts=record.payment_attempts,
            attempts_remaining=max(0, MAX_PAYMENT_ATTEMPTS - record.payment_attempts),
            decline_code=shown.get("decline_code"),
            decline_message=shown.get("decline_message"),
        )
    return ApplicationView(
        application_id=record.application_id,
        status=record.status,
        product=stored["product"],
        state=stored["state"],
        applicant_type=stored["applicant_type"],
        applicant=stored["applicant"],
        items=stored["items"],
        quote_id=stored.get("quote_id"),
        referrer=stored.get("referrer"),
        decision=Decision.model_validate(record.decision) if record.decision else None,
        offer=OfferView.model_validate(record.offer) if record.offer else None,
        acceptance=_acceptance(record.acceptance),
        payment=payment,
        policy_number=record.policy_number,
        submissions=record.submissions,
        created_at=record.created_at,
        updated_at=record.updated_at,
        expires_at=from_epoch(record.session_expires_at_epoch),
    )


def _acceptance(recorded: dict[str, Any] | None) -> AcceptanceView | None:
    if not recorded:
        return None
    return AcceptanceView(
        offer_id=recorded["offer_id"], terms_sha256=recorded["terms_sha256"], accepted_at=recorded["at"]
    )
