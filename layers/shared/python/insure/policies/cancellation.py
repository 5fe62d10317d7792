"""Cancellation of a policy by its customer: the refund is what was paid less what was earned up to the effective
date (at least the rulebook's minimum premium), returned through the card processor to the cards that paid,
original first; the policy is `pending_cancellation` until the effective date and `cancelled` from it, as a new
version. Nothing changes on the policy while an amendment is in flight (409), nor once it is cancelled (409)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from insure.callers import Caller
from insure.errors import Conflict, FieldError, RuleViolation
from insure.payments.processor import CardProcessor
from insure.policies.models import (  # the request and views live with the models (routes import no service)
    CancellationPreview,
    CancellationRequest,
    CancellationView,
    PolicyStatus,
    PolicyVersion,
)
from insure.policies.proration import PaidCharge
from insure.policies.repository import PolicyRepository, StoredPolicy
from insure.policies.service import PolicyService, status_on, today
from insure.types import Money

if TYPE_CHECKING:
    from insure.applications.ports import Idempotency
    from insure.risk.policy_tags import ItemTags


@dataclass
class CancellationService:
    policies: PolicyService
    repository: PolicyRepository
    processor: CardProcessor
    table: str
    bucket: str
    item_tags: ItemTags
    idempotency: Idempotency

    def _effective(self, stored: StoredPolicy, effective: dt.date) -> None:
        current = stored.current
        if status_on(current, today()) != "active" or current.cancellation is not None:
            raise Conflict(f"The policy is {status_on(current, today())}; it cannot be cancelled.")
        message = None
        if effective < today():
            message = "No back-dating: the effective date must be today or later."
        elif effective >= dt.date.fromisoformat(current.expiry_date):
            message = f"The effective date must fall within the policy term (before {current.expiry_date})."
        elif effective < dt.date.fromisoformat(current.in_force_from):
            message = f"The current version is in force from {current.in_force_from}; cancel from that day or later."
        if message:
            raise RuleViolation(message, errors=[FieldError("effective_date", message)])

    def _charges(self, stored: StoredPolicy) -> tuple[list[PaidCharge], dict[str, str]]:
        """The policy's charges as refunds see them, and the card that paid at issuance."""
        from insure.policies.changes import initial_charge, paid_charges

        first_charge, card, first_amount = initial_charge(stored.versions[0].application_id, self.table)
        records = self.repository.payments(stored.current.policy_number)
        return paid_charges(stored.versions, first_charge, first_amount, records), card

    def _refund(
        self, stored: StoredPolicy, effective: dt.date, charges: list[PaidCharge]
    ) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(refund, premium paid for the term in force, kept, minimum) of a cancellation effective on `effective`:
        plan fees are not premium and are never refunded; a renewed policy's earlier terms are closed."""
        from insure.policies.changes import minimum_premium, periods_of, term_of
        from insure.policies.proration import cancellation_refund, premium_paid, to_cents

        current = stored.current
        paid = premium_paid(charges, current.term)
        minimum = minimum_premium(current.rulebook_version)
        periods = periods_of(stored.versions, current.term)
        refund = cancellation_refund(term_of(current), periods, paid, effective, minimum)
        return refund, paid, to_cents(paid - refund), minimum

    def preview(self, policy_number: str, effective: dt.date | None, caller: Caller) -> CancellationPreview:
        stored = self.policies.owned(policy_number, caller)
        day = effective or today()
        self._effective(stored, day)
        refund, paid, kept, minimum = self._refund(stored, day, self._charges(stored)[0])
        return CancellationPreview(
            refund=Money.of(refund),
            effective_date=day.isoformat(),
            paid=Money.of(paid),
            kept=Money.of(kept),
            minimum_premium=Money.of(minimum),
        )

    def cancel(
        self, policy_number: str, body: CancellationRequest, caller: Caller, idempotency_key: str | None = None
    ) -> CancellationView:
        """Cancel (`_cancel`); with an `idempotency_key`, a repeat gets the first answer and refunds nothing more
        (another body with the key is 422). The answer kept holds amounts and refund ids, no card data."""
        self.policies.owned(policy_number, caller)  # another's policy reads 404 before any key is looked at
        done = self.idempotency.once_per_key(
            f"cancellation:{policy_number}",
            idempotency_key,
            body.model_dump(mode="json"),
            lambda: self._cancel(policy_number, body, caller).model_dump(mode="json"),
        )
        return CancellationView.model_validate(done)

    def _cancel(self, policy_number: str, body: CancellationRequest, caller: Caller) -> CancellationView:
        from insure.amendments.workflow import refund_to
        from insure.policies.changes import after_version_stored, next_version, now_rfc3339
        from insure.policies.issuance import store_document
        from insure.policies.models import Cancellation, Change
        from insure.policies.proration import refundable_charges

        stored = self.policies.owned(policy_number, caller)
        self._effective(stored, body.effective_date)
        holder = "cancellation_" + uuid.uuid4().hex
        self.repository.claim(policy_number, holder)
        try:
            stored = self.repository.get(policy_number) or stored  # as it stands now that no one else may change it
            self._effective(stored, body.effective_date)
            paid, card = self._charges(stored)
            refund, _, _, _ = self._refund(stored, body.effective_date, paid)
            current = stored.current
            records = refund_to(
                self.processor,
                self.repository,
                policy_number,
                refundable_charges(paid, current.term),
                refund,
                reference=f"cancellation:{policy_number}:v{current.version + 1}",
                version=current.version + 1,
                card=card,
            )
            status: PolicyStatus = "cancelled" if body.effective_date <= today() else "pending_cancellation"
            cancellation = Cancellation(
                effective_date=body.effective_date.isoformat(),
                reason=body.reason,
                refund=Money.of(refund),
                requested_at=now_rfc3339(),
            )
            version = next_version(
                current,
                change="cancelled",
                made_by="customer",
                in_force_from=body.effective_date,
                changes=[Change(kind="status", before=current.status, after="cancelled")],
                status=status,
                cancellation=cancellation,
            )
            self.repository.add_version(stored, version)
        except BaseException:
            self.repository.release(policy_number, holder)
            raise
        self.repository.release(policy_number, holder, cancelled=True)
        self._withdraw_renewal(policy_number, status)
        after_version_stored(version, self.item_tags)
        store_document(self.bucket, version)
        self._tell_holder(version, stored.session_hash)
        return CancellationView(
            policy_number=policy_number,
            status=status_on(version, today()),
            version=version.version,
            effective_date=body.effective_date.isoformat(),
            reason=body.reason,
            refund=Money.of(refund),
            refunds=[r.as_dict() for r in records],
        )

    def _withdraw_renewal(self, policy_number: str, status: PolicyStatus) -> None:
        """A renewal awaiting the customer is withdrawn: a cancelled policy is not renewed."""
        from insure.billing.renewals import WITHDRAWN_BECAUSE, withdraw_renewal
        from insure.billing.repository import BillingRepository

        withdraw_renewal(BillingRepository(self.table), policy_number, WITHDRAWN_BECAUSE[status])

    @staticmethod
    def _tell_holder(version: PolicyVersion, session_hash: str) -> None:
        """The holder is told (keyed per version and channel). The cancellation stands if the message cannot be
        queued: it is logged, since answering 500 to a cancellation that happened would mislead the client."""
        from insure.policies.notices import tell_holder_of

        try:
            tell_holder_of(version, session_hash=session_hash)
        except Exception:  # noqa: BLE001 - see the docstring
            from aws_lambda_powertools import Logger

            Logger(service="insurance-platform").exception(
                "cancellation notice not queued", extra={"policy": version.policy_number}
            )
