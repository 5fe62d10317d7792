"""Telling an insurer's salesperson that a claim was filed with their insurer.

The notification is recorded in DynamoDB in the same conditional write that records the insurer's first answer
(on the (event, insurer) progress item, indexed by `gsi1pk = NOTIFY#<insurer_id>`), so it exists exactly when
the claim does; then it is sent (`send`): an e-mail to the salesperson (a text when they gave only a phone
number) from the `claim_filed` template, through the platform's notifications, keyed per (event, insurer) so a
duplicate or retried delivery of the filing sends it once. The caller's function needs `declaration.NOTIFY`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from insure.notifications.port import Channel
from insure.risk.insurers import Insurer

if TYPE_CHECKING:
    from insure.risk.progress_models import ProgressState
    from insure.risk.progress_repository import ProgressRepository

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


def message_for(notification: SalespersonNotification, insurer_name: str) -> dict[str, Any] | None:
    """The queued message to the salesperson (e-mail, else a text), keyed per (event, insurer); None when they
    have no contact."""
    from insure.notifications.port import build_message

    channel: Channel = "email" if notification.salesperson_email else "sms"
    recipient = notification.salesperson_email or notification.salesperson_phone
    if not recipient:
        return None
    return build_message(
        recipient,
        channel,
        "claim_filed",
        {
            "salesperson": notification.salesperson_name,
            "claim_reference": notification.claim_reference,
            "insurer": insurer_name,
            "policy_number": notification.policy_number,
            "risk_event_id": notification.risk_event_id,
        },
        key=f"claim-filed:{notification.risk_event_id}:{notification.insurer_id}",
    )


def send(
    notification: SalespersonNotification, insurer_name: str, *, enqueue: Callable[[dict[str, Any]], None] | None = None
) -> str | None:
    """Queues the salesperson's message (once per (event, insurer), whatever the deliveries); its notification id,
    or None when it could not be queued (logged: the claim stands; a redelivery of the filing sends it again)."""
    from insure.notifications import InvalidNotification
    from insure.notifications.port import _send_to_queue

    try:
        message = message_for(notification, insurer_name)
        if message is None:
            return None
        (enqueue or _send_to_queue)(message)
        return str(message["notification_id"])
    except InvalidNotification:
        log.warning("salesperson not reachable", extra={"insurer_id": notification.insurer_id})
    except Exception:
        log.exception("salesperson notification not queued", extra={"insurer_id": notification.insurer_id})
    return None


def send_recorded(
    stored: ProgressState, insurer_name: str, *, enqueue: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Sends the salesperson notification recorded with the insurer's first answer (a repeated delivery of a
    filing whose first delivery may have stopped before sending it; the key keeps it to one message)."""
    if stored.notification:
        send(SalespersonNotification.model_validate(stored.notification), insurer_name, enqueue=enqueue)


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


def notifications_for(progress: ProgressRepository, insurer_id: str) -> list[SalespersonNotification]:
    """The notifications recorded for an insurer's salesperson, oldest first."""
    return [SalespersonNotification.model_validate(n) for n in progress.notifications(insurer_id)]
