"""The sender: one queued notification at a time, delivered at most once, with the outcome recorded.

A delivery claims the record (created on first sight, attempts counted, a short lease against a duplicate delivered
at the same moment); a notification already sent, suppressed, failed or rejected is acknowledged without sending
again. Preferences: security messages (a reset code the person asked for) always go; service messages are skipped
when the recipient opted out of the channel; marketing messages go only to recipients who asked for offers; business
messages (an insurer's salesperson told of a claim filed with their insurer) are the insurer's, not a person's own,
and are sent without reading preferences.
A provider that is unavailable fails the record so SQS retries it; on the last receive the record is `failed` and the
message goes to the dead-letter queue. A provider refusal is `rejected` at once (retrying cannot help)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from insure.notifications.providers import Provider, ProviderRejected, ProviderUnavailable
from insure.notifications.repository import NotificationRepository
from insure.notifications.templates import templates

log = Logger(child=True)
LEASE_S = 60


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Sender:
    records: NotificationRepository
    provider: Provider
    max_receive_count: int
    clock: Callable[[], float] = field(default=time.time)
    record_done: Callable[[str, str, str], None] | None = None
    """`risk_event_done` follow-ups: records (risk_event_id, action, at) on the risk event (`EventUpdates`)."""

    def handle(self, message: dict[str, Any], receive_count: int = 1) -> str:
        """Deliver `message` (as `notify` queued it); the status it reached, or `duplicate`."""
        now = self.clock()
        claimed = self.records.claim(message, now=now, stamp=_stamp(now), lease_s=LEASE_S)
        if claimed is None:
            return "duplicate"
        notification_id, channel = message["notification_id"], message["channel"]
        template = templates().get(message["template"])
        if template is None or channel not in template.texts:
            return self._finish(notification_id, "rejected", error=f"no {channel} template {message['template']!r}")
        if template.category in ("service", "marketing"):  # a person's own messages; not security or business ones
            wanted = self.records.preferences(channel, message["recipient"])
            if wanted.opted_out or (template.category == "marketing" and not wanted.offers):
                return self._finish(notification_id, "suppressed", error="the recipient's preferences")
        try:
            rendered = template.render(channel, message["data"])
        except (KeyError, IndexError, ValueError) as error:
            return self._finish(notification_id, "rejected", error=f"template data: {error!r}")
        try:
            if channel == "email":
                provider_id = self.provider.send_email(message["recipient"], rendered.subject or "", rendered.body)
            else:
                provider_id = self.provider.send_sms(message["recipient"], rendered.body)
        except ProviderUnavailable as error:
            last = receive_count >= self.max_receive_count
            self._finish(notification_id, "failed" if last else "retrying", error=f"provider unavailable: {error}")
            log.warning(
                "notification not delivered",
                extra={"notification_id": notification_id, "attempt": receive_count, "final": last},
            )
            raise
        except ProviderRejected as error:
            return self._finish(notification_id, "rejected", error=str(error))
        self._finish(notification_id, "sent", provider_message_id=provider_id)
        self._follow_up(message)
        log.info(
            "notification sent",
            extra={"notification_id": notification_id, "channel": channel, "template": message["template"]},
        )
        return "sent"

    def _follow_up(self, message: dict[str, Any]) -> None:
        """Records what the message's `on_sent` asks for, now that it was delivered (at the time of the send). A
        failure is logged: the message went out, and a redelivery finds it sent and does not send it again."""
        follow_up = message.get("on_sent")
        if not follow_up:
            return
        try:
            if follow_up.get("kind") == "risk_event_done":
                from insure.timestamps import rfc3339

                if self.record_done is None:
                    raise RuntimeError("this sender records no risk event follow-ups")
                at = rfc3339(dt.datetime.fromtimestamp(self.clock(), dt.UTC))
                self.record_done(follow_up["risk_event_id"], follow_up["action"], at)
        except Exception:
            log.exception("follow-up of a sent notification failed", extra={"on_sent": follow_up})

    def _finish(self, notification_id: str, status: Any, **fields: Any) -> str:
        self.records.finish(notification_id, status, stamp=_stamp(self.clock()), **fields)
        return str(status)
