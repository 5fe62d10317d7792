"""What the application service and the issuance tasks need from the rest of the platform, as small interfaces
(the composition root hands in the real ones; unit tests hand in fakes), and the real ones over the platform's
modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from insure.applications.repository import ApplicationRecord
    from insure.payments.processor import CardToken
    from insure.products.models import ApplicationInput
    from insure.sessions import Session
    from insure.underwriting.models import Decision


class ApplicationStore(Protocol):
    """The application items (`insure.applications.repository.ApplicationRepository`). `change`/`update` take
    `set_fields`, `remove`, `add` and the conditions `when_status`, `when_version`, `when_equal`; they bump the
    version and raise Conflict when a condition does not hold."""

    def create(self, record: ApplicationRecord, *then_put: dict[str, Any]) -> None: ...

    def get(self, application_id: str, *, consistent: bool = True) -> ApplicationRecord | None: ...

    def peek(self, application_id: str) -> ApplicationRecord | None: ...

    def keep_decision(self, application_id: str, submission: int, decision: dict[str, Any]) -> None: ...

    def decisions(self, application_id: str) -> list[dict[str, Any]]: ...

    def keep_payment_attempt(
        self, application_id: str, attempt: int, payment: dict[str, Any], *, approved: bool
    ) -> None: ...

    def update(self, application_id: str, **changes: Any) -> ApplicationRecord: ...

    def change(self, application_id: str, **changes: Any) -> None: ...


class SessionItems(Protocol):
    def item(self, session: Session) -> dict[str, Any]:
        """What is stored for `session` beside the application it opens."""


class PaymentTokens(Protocol):
    """Processor tokens held for one application or amendment (`insure.payments.tokens.TokenStore`)."""

    def hold(self, holder: str, token: CardToken, *, session_expires_at_epoch: int) -> str: ...

    def token_for(self, reference: str, holder: str) -> str: ...


class Underwriting(Protocol):
    def check_intake(self, application: ApplicationInput) -> None:
        """Raise RuleViolation (field errors) for what the person must correct before applying."""

    def underwrite(self, application: ApplicationInput) -> Decision: ...


class Quotes(Protocol):
    def known(self, quote_id: str) -> bool:
        """Whether the quote exists and has not expired."""


class Idempotency(Protocol):
    def run_once(self, scope: str, key: str, payload: Any, effect: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`effect` once per (scope, key); its result replayed to repeats."""

    def once_per_key(
        self, scope: str, key: str | None, payload: Any, effect: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """`run_once` when a key was sent, else simply `effect()`."""


class SessionOwners(Protocol):
    def link_session(self, customer_id: str, session_hash: str, application_id: str, at: str) -> bool:
        """Make a session's application the customer's."""


class RulebookUnderwriting:
    """Underwriting against the stored rulebooks (`insure.underwriting`)."""

    def check_intake(self, application: ApplicationInput) -> None:
        from insure.underwriting import check_intake

        check_intake(application)

    def underwrite(self, application: ApplicationInput) -> Decision:
        from insure.underwriting import underwrite

        return underwrite(application)


class StoredQuotes:
    """Quotes as `POST /quotes` stored them."""

    def known(self, quote_id: str) -> bool:
        from insure.underwriting.quotes import get_quote

        return get_quote(quote_id) is not None
