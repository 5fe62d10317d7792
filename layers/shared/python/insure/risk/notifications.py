"""Telling an insurer's salesperson that a claim was filed with their insurer.

The notification is recorded in DynamoDB in the same conditional write that records the insurer's first answer
(on the (event, insurer) progress item, indexed by `gsi1pk = NOTIFY#<insurer_id>`), so it exists exactly when
the claim does and a duplicate delivery cannot notify twice; a structured log line follows. A mail or SMS sender
would read these records (a stream or the index) — the platform itself does not send mail today.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from insure.risk.insurers import Insurer

# A child of the function's Powertools logger: the line comes out as structured JSON with the invocation's keys.
log = Logger(child=True)


class SalespersonNotification(BaseModel):
    insurer_id: str
    risk_event_id: str
    claim_reference: str
    policy_number: str
    salesperson_name: str
    salesperson_email: str | None = None
    salesperson_phone: str | None = None
    message: str
    created_at: str


def notification_for(
    insurer: Insurer, *, risk_event_id: str, claim_reference: str, policy_number: str, at: str
) -> SalespersonNotification:
    person = insurer.salesperson
    return SalespersonNotification(
        insurer_id=insurer.insurer_id,
        risk_event_id=risk_event_id,
        claim_reference=claim_reference,
        policy_number=policy_number,
        salesperson_name=person.name,
        salesperson_email=person.email,
        salesperson_phone=person.phone,
        message=(
            f"{person.name}: a claim ({claim_reference}) was filed with {insurer.name} on policy {policy_number} "
            f"for risk event {risk_event_id}."
        ),
        created_at=at,
    )


def log_sent(notification: SalespersonNotification) -> None:
    log.info(
        "salesperson notified",
        extra={
            "insurer_id": notification.insurer_id,
            "salesperson_email": notification.salesperson_email,
            "risk_event_id": notification.risk_event_id,
            "claim_reference": notification.claim_reference,
        },
    )


def notifications_for(insurer_id: str) -> list[SalespersonNotification]:
    """The notifications recorded for an insurer's salesperson, oldest first."""
    from insure.risk.progress import repository

    return [SalespersonNotification.model_validate(n) for n in repository().notifications(insurer_id)]
