"""The port other code calls: `notify(recipient, channel, template, data)` checks the request against the
template and enqueues it for the sender function. Nothing is sent or stored here."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal

Channel = Literal["email", "sms"]
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


FOLLOW_UPS = frozenset({"risk_event_done"})
"""What a message may ask the sender to record once it is delivered (`notify(..., on_sent=...)`):
`risk_event_done` records `action` as done on `risk_event_id` (`insure.risk.event_updates.EventUpdates.record_done`)."""


class InvalidNotification(ValueError):
    """The call cannot become a message: unknown template, a channel the template lacks, missing data, or a
    recipient that is not an e-mail address (e-mail) or an E.164 phone number (sms). A programming error."""


def normalized_recipient(channel: str, recipient: str) -> str:
    """The recipient as records and preferences key it: e-mail lower-cased, phone numbers without spaces."""
    if channel == "email":
        value = recipient.strip().lower()
        if not EMAIL.match(value):
            raise InvalidNotification(f"Not an e-mail address: {recipient!r}.")
        return value
    if channel == "sms":
        value = re.sub(r"[\s().-]", "", recipient)
        if not E164.match(value):
            raise InvalidNotification(f"Not an E.164 phone number: {recipient!r}.")
        return value
    raise InvalidNotification(f"Unknown channel {channel!r}; use 'email' or 'sms'.")


def notification_id(key: str | None) -> str:
    """A stable id for a caller's key (the same key twice is one message), else a fresh one."""
    if key is None:
        return "ntf_" + uuid.uuid4().hex
    return "ntf_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def build_message(
    recipient: str,
    channel: Channel,
    template: str,
    data: Mapping[str, Any],
    *,
    key: str | None = None,
    customer_id: str | None = None,
    on_sent: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The queued message for a call to `notify` (checked against the template)."""
    from insure.notifications.templates import templates

    if channel not in ("email", "sms"):
        raise InvalidNotification(f"Unknown channel {channel!r}; use 'email' or 'sms'.")
    found = templates().get(template)
    if found is None:
        raise InvalidNotification(f"No notification template {template!r}.")
    if channel not in found.texts:
        raise InvalidNotification(f"Template {template!r} has no {channel} text.")
    address = normalized_recipient(channel, recipient)
    values = {name: "" if value is None else str(value) for name, value in data.items()}
    missing = found.fields(channel) - set(values)
    if missing:
        raise InvalidNotification(f"Template {template!r} needs {sorted(missing)}.")
    if on_sent is not None and on_sent.get("kind") not in FOLLOW_UPS:
        raise InvalidNotification(f"Unknown follow-up {on_sent.get('kind')!r}; known: {sorted(FOLLOW_UPS)}.")
    message = {
        "notification_id": notification_id(key),
        "recipient": address,
        "channel": channel,
        "template": template,
        "data": values,
        "customer_id": customer_id,
        "requested_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if on_sent is not None:
        message["on_sent"] = dict(on_sent)
    return message


def notify(
    recipient: str,
    channel: Channel,
    template: str,
    data: Mapping[str, Any],
    *,
    key: str | None = None,
    customer_id: str | None = None,
    on_sent: Mapping[str, str] | None = None,
    enqueue: Callable[[dict[str, Any]], None] | None = None,
) -> str:
    """Queue a message for `recipient` on `channel` from `template` filled with `data`; the notification id.

    `key` makes the call idempotent: every call with the same key is one message (e.g. `policy-issued:P-1`), so a
    retried caller cannot notify twice. `on_sent` names what the platform records once the message was really
    delivered (one of `FOLLOW_UPS`, e.g. `{"kind": "risk_event_done", "risk_event_id": ..., "action":
    "owner_notified"}`), so what it tells people about its own actions follows the real send. Raises
    `InvalidNotification` for a call that can never be delivered."""
    message = build_message(recipient, channel, template, data, key=key, customer_id=customer_id, on_sent=on_sent)
    (enqueue or _send_to_queue)(message)
    return str(message["notification_id"])


SQS_BATCH = 10


def send_batch(messages: list[dict[str, Any]]) -> int:
    """Queues messages built by `build_message`, ten per SendMessageBatch (a worker telling many people at once);
    the number the queue did not take."""
    import json

    from insure.aws import client
    from insure.settings import get_settings

    sqs, url, failed = client("sqs"), get_settings().notifications_queue_url, 0
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        entries = [{"Id": str(n), "MessageBody": json.dumps(m)} for n, m in enumerate(chunk)]
        failed += len(sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", []))
    return failed


def _send_to_queue(message: dict[str, Any]) -> None:
    import json

    from insure.aws import client
    from insure.settings import get_settings

    client("sqs").send_message(QueueUrl=get_settings().notifications_queue_url, MessageBody=json.dumps(message))
