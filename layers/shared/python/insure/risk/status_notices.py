"""Telling the person whose claim it is when an insurer moves it: one message per (event, insurer, status).

Every change that moves an insurer's status forward (its first answer, a poll, a webhook, an adjuster at the
platform's claims desk) is applied by exactly one conditional write; the code that made that write calls `tell`
(`insure.risk.progress.ProgressService.apply_update` and the filing's first answer). The message
(`insurer_status_changed`) goes to the customer: the reporter of the customer's event when the customer reported
(with the contact they gave then), else the customer as the object's tag names them. A third party who reported
someone else's object is never messaged about the customer's claims (their own event shows each insurer's status
only, live). A text when there is a phone number, else an e-mail. The key names the event, the insurer and the
status, so a duplicate or retried delivery of the same change is one message, and a status repeated by an insurer
was never applied twice anyway. The fan-out worker tells a batch's changes together (`messages_for`: one lookup per
event, ten messages per queue call). The platform's own `unreachable` is not an insurer's status: it is shown live,
not messaged. The caller's function needs `declaration.NOTIFY`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insure.notifications.port import Channel

if TYPE_CHECKING:
    from insure.risk.ports import EventStore, TagLookup

log = logging.getLogger(__name__)

INSURER_STATUSES = frozenset({"received", "assessing", "approved", "denied", "paid", "closed"})


@dataclass(frozen=True)
class StatusChange:
    """An insurer's status the customer is to be told about."""

    risk_event_id: str
    insurer_id: str
    status: str
    claim_reference: str | None
    note: str | None


def message_for(change: StatusChange, insurer_name: str, reached: tuple[Channel, str]) -> dict[str, Any]:
    """The queued message telling the customer (at `reached`) about `change`."""
    from insure.notifications.port import build_message

    channel, recipient = reached
    return build_message(
        recipient,
        channel,
        "insurer_status_changed",
        {
            "insurer": insurer_name,
            "claim_reference": change.claim_reference or "",
            "status": change.status,
            "note": change.note or "",
        },
        key=f"insurer-status:{change.risk_event_id}:{change.insurer_id}:{change.status}",
    )


class StatusNotices:
    """Tells the customer of an event of their insurers' statuses (the customer found through the event and its
    tag; `enqueue` queues one message, `names` names an insurer)."""

    def __init__(
        self,
        events: EventStore,
        tags: TagLookup,
        names: Callable[[str], str | None],
        enqueue: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.events, self.tags, self.names, self._enqueue = events, tags, names, enqueue

    def insurer_name(self, insurer_id: str) -> str:
        return self.names(insurer_id) or "Your insurer"

    def recipient_of(self, risk_event_id: str) -> tuple[Channel, str] | None:
        """Where the customer of the event is told: (channel, address), or None when they cannot be reached."""
        found = self.events.get(risk_event_id)
        if found is None or found[0].role != "customer":
            return None
        event = found[0]
        phone = email = None
        if event.reporter_is_customer:
            phone, email = event.reporter.phone, event.reporter.email
        if not phone and not email:
            tag = self.tags.get(event.tag_id)
            if tag is not None:
                phone, email = tag.customer.phone, tag.customer.email
        if phone:
            return "sms", phone
        if email:
            return "email", email
        return None

    def messages_for(self, changes: list[StatusChange], insurer_name: Callable[[str], str]) -> list[dict[str, Any]]:
        """The messages for many changes at once (a fan-out batch): each event's customer is looked up once."""
        reached: dict[str, tuple[Channel, str] | None] = {}
        messages: list[dict[str, Any]] = []
        for change in changes:
            if change.status not in INSURER_STATUSES:
                continue
            if change.risk_event_id not in reached:
                reached[change.risk_event_id] = self.recipient_of(change.risk_event_id)
            found = reached[change.risk_event_id]
            if found is not None:
                messages.append(message_for(change, insurer_name(change.insurer_id), found))
        return messages

    def tell(
        self, risk_event_id: str, insurer_id: str, status: str, *, claim_reference: str | None, note: str | None
    ) -> str | None:
        """Queues the customer's message about the insurer's new status; its notification id, or None when there
        is nothing to send or it could not be queued (logged: the status change stands)."""
        if status not in INSURER_STATUSES:
            return None
        from insure.notifications.port import _send_to_queue

        try:
            reached = self.recipient_of(risk_event_id)
            if reached is None:
                return None
            change = StatusChange(risk_event_id, insurer_id, status, claim_reference, note)
            message = message_for(change, self.insurer_name(insurer_id), reached)
            (self._enqueue or _send_to_queue)(message)
            return str(message["notification_id"])
        except Exception:
            log.warning("status notice for %s/%s not queued", risk_event_id, insurer_id, exc_info=True)
            return None
