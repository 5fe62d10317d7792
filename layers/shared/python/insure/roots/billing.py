"""The scheduled billing functions' composition root (`billing_run`, `renewal_run`): the billing run and the
renewal service over the single table, the documents bucket and the card processor."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Self, cast

from insure.roots import Root, deferred

if TYPE_CHECKING:
    from collections.abc import Callable

    from insure.applications.ports import Idempotency
    from insure.billing.renewals import RenewalService
    from insure.billing.runs import BillingRun
    from insure.payments.processor import CardProcessor
    from insure.settings import PlatformSettings


def card_processor(settings: PlatformSettings) -> CardProcessor:
    """The card processor of this environment (the URL is a setting; locally the simulator sets it)."""
    from insure.payments.processor import HttpCardProcessor

    return HttpCardProcessor(settings.card_processor_url)


def renewal_service(
    settings: PlatformSettings,
    cards: CardProcessor,
    *,
    table: str | None = None,
    idempotency: Idempotency | None = None,
    fingerprint_key: Callable[[], bytes] | None = None,
) -> RenewalService:
    """The renewal service over `table` (default: the settings' table), reading its other settings when a renewal
    is decided or shown; it takes payments with `idempotency` and `fingerprint_key` (the API's)."""
    from insure.billing.renewals import RenewalService
    from insure.billing.repository import BillingRepository
    from insure.policies.repository import PolicyRepository
    from insure.roots import deferred_item_tags

    table = table or settings.table_name
    return RenewalService(
        billing=BillingRepository(table),
        policies=PolicyRepository(table),
        processor=cards,
        item_tags=deferred_item_tags(settings),
        settings=settings,
        idempotency=idempotency,
        fingerprint_key=fingerprint_key,
    )


@dataclass
class BillingRoot(Root):
    """The scheduled runs' root. From the environment, its settings are validated on their first use: a run that
    finds nothing due reads only the table's name (`insure.environment`), so it imports neither pydantic nor the
    models (a cold start within its budget); the first installment or renewal due reads them all."""

    table: str | None = None  # the single table; default: the settings'

    @classmethod
    def from_environment(cls) -> Self:
        from insure.environment import table_name

        def settings() -> PlatformSettings:
            from insure.settings import get_settings  # imports pydantic

            return get_settings()

        return cls(cast("PlatformSettings", deferred(settings)), table=table_name())

    @property
    def table_name(self) -> str:
        return self.table or self.settings.table_name

    @cached_property
    def cards(self) -> CardProcessor:
        return card_processor(self.settings)

    @cached_property
    def run(self) -> BillingRun:
        from insure.billing.repository import BillingRepository
        from insure.billing.runs import BillingRun
        from insure.policies.repository import PolicyRepository
        from insure.roots import deferred_item_tags

        return BillingRun(
            billing=BillingRepository(self.table_name),
            policies=PolicyRepository(self.table_name),
            processor=deferred(lambda: self.cards),  # built when a charge is due
            item_tags=deferred_item_tags(self.settings),
            settings=self.settings,
        )

    @cached_property
    def renewals(self) -> RenewalService:
        # the processor is built when one pays
        return renewal_service(self.settings, deferred(lambda: self.cards), table=self.table_name)
