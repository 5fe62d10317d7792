"""The scheduled billing functions' composition root (`billing_run`, `renewal_run`): the billing run and the
renewal service over the single table, the documents bucket and the card processor."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.billing.renewals import RenewalService
    from insure.billing.runs import BillingRun
    from insure.payments.processor import CardProcessor
    from insure.settings import PlatformSettings


def card_processor(settings: PlatformSettings) -> CardProcessor:
    """The card processor of this environment (the URL is a setting; locally the simulator sets it)."""
    from insure.payments.processor import HttpCardProcessor

    return HttpCardProcessor(settings.card_processor_url)


def renewal_service(settings: PlatformSettings, cards: CardProcessor) -> RenewalService:
    from insure.billing.renewals import RenewalService
    from insure.billing.repository import BillingRepository
    from insure.policies.repository import PolicyRepository
    from insure.roots import deferred_item_tags

    return RenewalService(
        billing=BillingRepository(settings.table_name),
        policies=PolicyRepository(settings.table_name),
        processor=cards,
        table=settings.table_name,
        bucket=settings.documents_bucket,
        public_base_url=settings.public_base_url,
        item_tags=deferred_item_tags(settings),
        notice_days=settings.renewal_notice_days,
    )


class BillingRoot(Root):
    @cached_property
    def cards(self) -> CardProcessor:
        return card_processor(self.settings)

    @cached_property
    def run(self) -> BillingRun:
        from insure.billing.repository import BillingRepository
        from insure.billing.runs import BillingRun
        from insure.policies.repository import PolicyRepository
        from insure.roots import deferred, deferred_item_tags

        settings = self.settings
        return BillingRun(
            billing=BillingRepository(settings.table_name),
            policies=PolicyRepository(settings.table_name),
            processor=deferred(lambda: self.cards),  # built when a charge is due
            item_tags=deferred_item_tags(settings),
            retry_days=settings.retry_days,
            grace_days=settings.billing_grace_days,
            bucket=settings.documents_bucket,
            workers=settings.billing_run_workers,
        )

    @cached_property
    def renewals(self) -> RenewalService:
        from insure.roots import deferred

        return renewal_service(self.settings, deferred(lambda: self.cards))  # the processor built when one pays
