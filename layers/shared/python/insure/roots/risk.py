"""The risk functions' composition root (`risk_events`, `insurer_fanout`, `insurer_webhooks`, `live`,
`claims_desk`, `risk_backoffice`, `insurers`, `policy_tags`): each function's handler holds one, built on its first
call, and reaches what it serves through it; every part is built on first use, so a function builds only what it
runs (the fan-out never reads the signing key, the back office never builds the connector). Repositories share the
process's DynamoDB client; the connector's HTTP pool and the live gateway's client are built once here."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from insure.roots import Root, deferred

if TYPE_CHECKING:
    from insure.claims_desk.service import ClaimsDesk
    from insure.idempotency import IdempotencyStore
    from insure.risk.devices import Devices
    from insure.risk.event_repository import EventRepository
    from insure.risk.event_updates import EventUpdates
    from insure.risk.event_views import EventViews
    from insure.risk.events import RiskIntake
    from insure.risk.fanout import Dispatcher
    from insure.risk.filing import FilingWorker
    from insure.risk.insurers import Insurer, InsurerRepository, Insurers
    from insure.risk.live import LiveHub
    from insure.risk.policy_tags import ItemTags
    from insure.risk.progress import ProgressService
    from insure.risk.progress_models import InsurerProgress
    from insure.risk.progress_repository import ProgressRepository
    from insure.risk.reporter_tokens import ReporterTokens
    from insure.risk.status_notices import StatusNotices
    from insure.risk.tags import TagRepository, Tags
    from insure.risk.webhooks import InsurerWebhooks


class RiskRoot(Root):
    # clients and repositories ------------------------------------------------------------------------------------
    @cached_property
    def dynamodb(self) -> Any:
        from insure.aws import client

        return deferred(lambda: client("dynamodb"))  # the client is made on the first call (a refusal makes none)

    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from insure.idempotency import IdempotencyStore

        return IdempotencyStore(self.settings.idempotency_table_name, self.dynamodb)

    @cached_property
    def event_store(self) -> EventRepository:
        from insure.risk.event_repository import EventRepository

        return EventRepository(self.dynamodb, self.settings.table_name)

    @cached_property
    def progress_store(self) -> ProgressRepository:
        from insure.risk.progress_repository import ProgressRepository

        return ProgressRepository(self.dynamodb, self.settings.table_name)

    @cached_property
    def tag_store(self) -> TagRepository:
        from insure.risk.tags import TagRepository

        return TagRepository(self.dynamodb, self.settings.table_name)

    @cached_property
    def insurer_store(self) -> InsurerRepository:
        from insure.risk.insurers import InsurerRepository

        return InsurerRepository(self.dynamodb, self.settings.table_name)

    @cached_property
    def tokens(self) -> ReporterTokens:
        from insure.risk.reporter_tokens import ReporterTokens
        from insure.secret_values import SecretReader

        return ReporterTokens(SecretReader().key(self.settings.signing_keys_secret_arn))

    # services ----------------------------------------------------------------------------------------------------
    @cached_property
    def insurers(self) -> Insurers:
        from insure.risk.insurers import Insurers

        return Insurers(self.insurer_store, self.idempotency)

    def own_insurer(self) -> Insurer:
        """The claims desk's registry record (read each time)."""
        from insure.claims_desk.registration import own_insurer

        return own_insurer(self.insurer_store)

    @cached_property
    def tags(self) -> Tags:
        from insure.risk.tags import Tags

        return Tags(self.tag_store, self.insurer_store, self.idempotency)

    @cached_property
    def devices(self) -> Devices:
        from insure.risk.devices import DeviceRepository, Devices

        return Devices(DeviceRepository(self.dynamodb, self.settings.table_name), self.idempotency)

    @cached_property
    def item_tags(self) -> ItemTags:
        from insure.risk.policy_tags import ItemTags

        return ItemTags(self.tag_store, self.insurer_store)

    @cached_property
    def live(self) -> LiveHub:
        from insure.risk.live import ConnectionRepository, LiveHub, management_api

        endpoint = self.settings.websocket_callback_url
        return LiveHub(
            ConnectionRepository(self.dynamodb, self.settings.table_name),
            management_api(endpoint) if endpoint else None,
            authorize=self.watches,
            timeline=self.named_timeline,
        )

    def watches(self, risk_event_id: str, token: str) -> list[tuple[str, str | None]]:
        """A live subscriber's streams (the views are built only when someone subscribes)."""
        return self.views.watches(risk_event_id, token)

    @cached_property
    def notices(self) -> StatusNotices:
        from insure.risk.status_notices import StatusNotices

        return StatusNotices(self.event_store, self.tag_store, self.insurers.name)

    @cached_property
    def progress(self) -> ProgressService:
        from insure.risk.progress import ProgressService

        return ProgressService(
            self.progress_store, publisher=self.live, names=self.insurers.name, tell=self.notices.tell
        )

    def named_timeline(self, risk_event_id: str) -> list[InsurerProgress]:
        """Every insurer's progress on the event, with the insurers' names."""
        return self.insurers.named(self.progress_store.timeline(risk_event_id))

    @cached_property
    def dispatcher(self) -> Dispatcher:
        from insure.aws import client
        from insure.risk.fanout import Dispatcher, SqsInsurerQueue
        from insure.timestamps import epoch

        queue = SqsInsurerQueue(client("sqs"), self.settings.insurer_requests_queue_url)
        return Dispatcher(self.progress_store, queue, epoch)

    @cached_property
    def updates(self) -> EventUpdates:
        from insure.risk.event_updates import EventUpdates

        return EventUpdates(self.event_store, self.tag_store, self.dispatcher, self.live)

    @cached_property
    def views(self) -> EventViews:
        from insure.accounts.access import authenticate_customer
        from insure.policies.repository import PolicyRepository
        from insure.risk.event_views import EventViews

        table = self.settings.table_name
        policies = PolicyRepository(table)
        return EventViews(
            self.event_store,
            timeline=self.named_timeline,
            authenticate_customer=lambda token: authenticate_customer(table, token),
            platform_policy=policies.get,
        )

    @cached_property
    def intake(self) -> RiskIntake:
        from insure.risk.events import RiskIntake
        from insure.risk.owner_notices import tell_owner
        from insure.timestamps import epoch

        return RiskIntake(
            events=self.event_store,
            tags=self.tags,
            insurers=self.insurer_store,
            tokens=self.tokens,
            updates=self.updates,
            tell_owner=lambda own: tell_owner(own, self.tag_store),
            idempotency=self.idempotency,
            clock=epoch,
        )

    @cached_property
    def webhooks(self) -> InsurerWebhooks:
        from insure.risk.webhooks import InsurerWebhooks

        # the progress side (event models, notices, live) is built when a verified webhook is applied, not for a
        # request refused at its signature
        return InsurerWebhooks(self.insurer_store, deferred(lambda: self.progress), self.idempotency)

    @cached_property
    def desk(self) -> ClaimsDesk:
        from insure.claims_desk.repository import DeskClaimRepository
        from insure.claims_desk.service import ClaimsDesk

        return ClaimsDesk(
            DeskClaimRepository(self.dynamodb, self.settings.table_name),
            own_insurer=self.own_insurer,
            webhooks=deferred(lambda: self.webhooks),  # built when an adjuster moves a claim
            idempotency=self.idempotency,
        )

    @cached_property
    def worker(self) -> FilingWorker:
        from insure.risk.connector import InsurerConnector, pool
        from insure.risk.filing import FilingWorker
        from insure.timestamps import epoch

        settings = self.settings
        dispatcher = self.dispatcher
        return FilingWorker(
            store=self.progress_store,
            progress=self.progress,
            events=self.event_store,
            notices=self.notices,
            connector=InsurerConnector(pool(), timeout_s=settings.insurer_timeout_s),
            insurers=self.insurer_store.get,
            send=lambda messages, delay: dispatcher.queue.send(messages, delay_s=delay),
            publish=self.live.publish_many,
            poll_interval_s=settings.insurer_poll_interval_s,
            max_receive_count=settings.insurer_max_receive_count,
            # A filing's POST ends within the connector's timeout; the lease leaves room for recording its answer.
            filing_lease_s=settings.insurer_timeout_s * 2 + 5,
            clock=epoch,
        )
