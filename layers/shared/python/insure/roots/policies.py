"""The policy functions' composition root (`policies`, `policy_tags`): reading policies, amendments, cancellation
and renewals over the single table, the documents bucket, the amendment state machine, the card processor, the
idempotency table and the signing key (read with a maximum age). Each service is built on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.amendments.service import AmendmentService
    from insure.billing.overdue import OverdueService
    from insure.billing.renewals import RenewalService
    from insure.idempotency import IdempotencyStore
    from insure.payments.processor import CardProcessor
    from insure.policies.cancellation import CancellationService
    from insure.policies.service import PolicyService
    from insure.roots.risk import RiskRoot


class PoliciesRoot(Root):
    @cached_property
    def cards(self) -> CardProcessor:
        from insure.roots.billing import card_processor

        return card_processor(self.settings)

    @cached_property
    def policies(self) -> PolicyService:
        from insure.policies.repository import PolicyRepository
        from insure.policies.service import PolicyService
        from insure.sessions import SessionRepository

        settings = self.settings
        return PolicyService(
            policies=PolicyRepository(settings.table_name),
            sessions=SessionRepository(settings.table_name),
            bucket=settings.documents_bucket,
            public_base_url=settings.public_base_url,
            tags=self.risk.tag_store,
        )

    @cached_property
    def risk(self) -> RiskRoot:
        """The item tags' repositories (the risk functions' root, over the same settings)."""
        from insure.roots.risk import RiskRoot

        return RiskRoot(self.settings)

    @cached_property
    def cancellation(self) -> CancellationService:
        from insure.policies.cancellation import CancellationService
        from insure.policies.repository import PolicyRepository

        settings = self.settings
        return CancellationService(
            policies=self.policies,
            repository=PolicyRepository(settings.table_name),
            processor=self.cards,
            table=settings.table_name,
            bucket=settings.documents_bucket,
            item_tags=self.risk.item_tags,
            idempotency=self.idempotency,
        )

    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from insure.idempotency import IdempotencyStore

        return IdempotencyStore(self.settings.idempotency_table_name)

    @cached_property
    def amendments(self) -> AmendmentService:
        from insure.amendments.repository import AmendmentRepository
        from insure.amendments.service import AmendmentService
        from insure.applications.engine import StepFunctionsEngine
        from insure.applications.ports import RulebookUnderwriting
        from insure.applications.repository import ApplicationRepository
        from insure.payments.tokens import TokenStore
        from insure.policies.repository import PolicyRepository
        from insure.secret_values import SecretReader

        settings = self.settings
        return AmendmentService(
            policies=self.policies,
            repository=PolicyRepository(settings.table_name),
            amendments=AmendmentRepository(settings.table_name),
            applications=ApplicationRepository(settings.table_name),
            engine=StepFunctionsEngine(settings.amendment_state_machine_arn),
            wait_ms=settings.response_wait_ms,
            fingerprint_key=SecretReader().key(settings.signing_keys_secret_arn),
            payment_tokens=TokenStore(settings.table_name),
            cards=self.cards,
            idempotency=self.idempotency,
            underwriting=RulebookUnderwriting(),
        )

    @cached_property
    def renewals(self) -> RenewalService:
        from insure.roots.billing import renewal_service
        from insure.secret_values import SecretReader

        return renewal_service(
            self.settings,
            self.cards,
            idempotency=self.idempotency,
            fingerprint_key=SecretReader().key(self.settings.signing_keys_secret_arn),
        )

    @cached_property
    def overdue(self) -> OverdueService:
        from insure.billing.overdue import OverdueService
        from insure.billing.repository import BillingRepository
        from insure.policies.repository import PolicyRepository

        settings = self.settings
        return OverdueService(
            billing=BillingRepository(settings.table_name),
            policies=PolicyRepository(settings.table_name),
            processor=self.cards,
            table=settings.table_name,
            idempotency=self.idempotency,
        )
