"""Telling the owner that someone else reported on their object: who reported, where, what they said.

When a third party's report opens the customer's event or joins their open incident, the customer (as the
object's tag names them: `PATCH /me` keeps it current for the platform's own policies) gets a text and an
e-mail (`third_party_report`), each once per report (keyed by the third party's event and the channel, so a
repeated scan or a retried intake tells the owner once). The third party is never given the owner's contact.

Guidance follows the real send: each message asks the sender to record `owner_notified` on the third party's
event once it is delivered (`on_sent`), and only then does the third party's guidance say the owner was told,
with the time it happened. The caller's function needs `declaration.NOTIFY`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from insure.notifications.port import Channel
from insure.risk.event_models import Location, RiskEvent

if TYPE_CHECKING:
    from insure.risk.ports import TagLookup

log = logging.getLogger(__name__)

ACTION = "owner_notified"


def where(location: Location | None) -> str:
    if location is None:
        return "an unknown place"
    return f"{location.lat:.5f}, {location.lon:.5f} (within {location.accuracy_m:.0f} m, by {location.method})"


def what_they_said(facts: dict[str, Any]) -> str:
    description = facts.get("description")
    if description:
        return str(description)[:300]
    if facts.get("event_type"):
        return f"{facts['event_type']}"
    return "no details yet"


def message_data(own: RiskEvent) -> dict[str, str]:
    """The template's data for the third party's report `own`."""
    reporter = own.reporter.name or ("someone who scanned its tag" if own.source == "scan" else "someone")
    return {
        "reporter": reporter,
        "object": own.object_description,
        "location": where(own.location),
        "reported_at": own.created_at,
        "message": what_they_said(own.facts),
    }


def tell_owner(own: RiskEvent, tags: TagLookup, *, notify: Callable[..., str] | None = None) -> list[str]:
    """Queues the owner's messages about the third party's report `own`; the notification ids. A failure to queue
    is logged, not raised: the report stands (a repeated delivery of the report queues them again)."""
    if own.role != "third_party":
        return []
    from insure.notifications import InvalidNotification
    from insure.notifications import notify as queue

    try:
        tag = tags.get(own.tag_id)
    except Exception:
        log.warning("owner of %s not told: tag unreadable", own.risk_event_id, exc_info=True)
        return []
    if tag is None:
        return []
    data = message_data(own)
    sent: list[str] = []
    channels: tuple[tuple[Channel, str | None], ...] = (("sms", tag.customer.phone), ("email", tag.customer.email))
    for channel, recipient in channels:
        if not recipient:
            continue
        try:
            sent.append(
                (notify or queue)(
                    recipient,
                    channel,
                    "third_party_report",
                    data,
                    key=f"third-party-report:{own.risk_event_id}:{channel}",
                    on_sent={"kind": "risk_event_done", "risk_event_id": own.risk_event_id, "action": ACTION},
                )
            )
        except InvalidNotification as error:
            log.warning("owner not reachable by %s: %s", channel, error)
        except Exception:
            log.warning("owner of %s not told by %s", own.risk_event_id, channel, exc_info=True)
    return sent
