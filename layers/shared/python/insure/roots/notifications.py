"""The `notifications_sender` function's composition root: the sender over the single table and this environment's
provider (the HTTP gateway, with its one connection pool, or SES and SNS); a delivered message's `risk_event_done`
follow-up is recorded by the risk functions' event updates (built on the first follow-up only)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.notifications.sender import Sender
    from insure.risk.event_updates import EventUpdates


class NotificationsRoot(Root):
    @cached_property
    def sender(self) -> Sender:
        from insure.notifications.providers import provider_for
        from insure.notifications.repository import NotificationRepository
        from insure.notifications.sender import Sender

        settings = self.settings
        return Sender(
            records=NotificationRepository(settings.table_name),
            provider=provider_for(
                settings.notifications_provider,
                gateway_url=settings.notifications_gateway_url,
                from_email=settings.notifications_from_email,
                sms_sender=settings.notifications_sms_sender,
            ),
            max_receive_count=settings.notifications_max_receive_count,
            record_done=self.record_done,
        )

    def record_done(self, risk_event_id: str, action: str, at: str) -> None:
        """A delivered message's `risk_event_done` follow-up (the event updates are built on the first one)."""
        self.event_updates.record_done(risk_event_id, action, at)

    @cached_property
    def event_updates(self) -> EventUpdates:
        from insure.roots.risk import RiskRoot

        return RiskRoot(self.settings).updates
