"""The `applications` function's composition root: the application service over the single table, the issuance
state machine, the card processor, the idempotency table and the signing key (read with a maximum age)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.applications.service import ApplicationService


class ApplicationsRoot(Root):
    @cached_property
    def applications(self) -> ApplicationService:
        from insure.accounts.repository import AccountRepository
        from insure.applications.engine import StepFunctionsEngine
        from insure.applications.ports import RulebookUnderwriting, StoredQuotes
        from insure.applications.repository import ApplicationRepository
        from insure.applications.service import ApplicationService
        from insure.idempotency import IdempotencyStore
        from insure.payments.tokens import TokenStore
        from insure.roots.billing import card_processor
        from insure.secret_values import SecretReader
        from insure.sessions import SessionRepository

        settings = self.settings
        return ApplicationService(
            applications=ApplicationRepository(settings.table_name),
            sessions=SessionRepository(settings.table_name),
            engine=StepFunctionsEngine(settings.issuance_state_machine_arn),
            session_ttl_s=settings.session_ttl_seconds,
            wait_ms=settings.response_wait_ms,
            fingerprint_key=SecretReader().key(settings.signing_keys_secret_arn),
            payment_tokens=TokenStore(settings.table_name),
            underwriting=RulebookUnderwriting(),
            quotes=StoredQuotes(),
            idempotency=IdempotencyStore(settings.idempotency_table_name),
            cards=card_processor(settings),
            session_owners=AccountRepository(settings.table_name),
        )
