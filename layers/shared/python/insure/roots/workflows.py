"""The workflow functions' composition root (`issuance_underwrite`, `_offer`, `_await`, `_charge`, `_issue`,
`_record`): each serves the issuance state machine (a payload naming an `application_id`) and the amendment state
machine (one naming an `amendment_id`), so the root builds the tasks of both, each on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from insure.roots import Root

if TYPE_CHECKING:
    from insure.amendments.workflow import AmendmentTasks
    from insure.applications.workflow import IssuanceTasks
    from insure.risk.policy_tags import ItemTags
    from insure.workflow_tasks import WorkflowTasks


class WorkflowsRoot(Root):
    @cached_property
    def issuance(self) -> IssuanceTasks:
        from insure.applications.ports import RulebookUnderwriting
        from insure.applications.repository import ApplicationRepository
        from insure.applications.workflow import IssuanceTasks
        from insure.payments.tokens import TokenStore
        from insure.policies.issuance import PolicyIssuance
        from insure.policies.repository import PolicyRepository
        from insure.roots.billing import card_processor

        settings = self.settings
        return IssuanceTasks(
            applications=ApplicationRepository(settings.table_name),
            processor=card_processor(settings),
            payment_tokens=TokenStore(settings.table_name),
            issuer=PolicyIssuance(PolicyRepository(settings.table_name), settings.documents_bucket, self.item_tags),
            underwriting=RulebookUnderwriting(),
            offer_ttl_s=settings.offer_ttl_seconds,
            public_base_url=settings.public_base_url,
            grace_days=settings.billing_grace_days,
        )

    @cached_property
    def amendments(self) -> AmendmentTasks:
        from insure.amendments.repository import AmendmentRepository
        from insure.amendments.workflow import AmendmentTasks
        from insure.policies.repository import PolicyRepository
        from insure.roots.billing import card_processor, renewal_service

        settings = self.settings
        processor = card_processor(settings)
        return AmendmentTasks(
            amendments=AmendmentRepository(settings.table_name),
            policies=PolicyRepository(settings.table_name),
            processor=processor,
            table=settings.table_name,
            bucket=settings.documents_bucket,
            offer_ttl_s=settings.offer_ttl_seconds,
            payment_ttl_s=settings.session_ttl_seconds,
            public_base_url=settings.public_base_url,
            item_tags=self.item_tags,
            renewals=renewal_service(settings, processor),
        )

    @cached_property
    def item_tags(self) -> ItemTags:
        from insure.roots import deferred_item_tags

        return deferred_item_tags(self.settings)

    def tasks_for(self, event: dict[str, Any]) -> WorkflowTasks:
        """The tasks a payload belongs to: an amendment's (it names an `amendment_id`) or an application's."""
        return self.amendments if "amendment_id" in event else self.issuance
