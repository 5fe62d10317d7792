"""Paying what is overdue with another card (`POST /policies/{n}/billing/payment`): a customer whose installment
was declined (the policy in its grace period) or is due and not yet charged pays it now with a card tokenized for
the policy (`insure.billing.cards`: bound to the policy number, 422 for a token of anything else). Each installment
owed is claimed first with the same conditional write the billing run uses (`BillingRepository.start_attempt`), and
charged under that attempt's processor idempotency key, so a run at the same moment, a repeated request or two
requests at once charge it once; paid, it records the processor's order and authorization ids and leaves the
billing run's index, so nothing lapses. The card becomes the policy's kept card once it paid. A request with
nothing owed is 409 and changes nothing; a declined card is 402 (the installment keeps its retry schedule).

Once per `Idempotency-Key` (required, 400 without): a repeat gets the first outcome."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.billing.models import OverduePayment  # the request lives with the models (routes import no service)
from insure.billing.repository import BillingRepository, InstallmentRecord, Lost
from insure.billing.runs import charge_installment, record_declined, record_paid
from insure.callers import Caller
from insure.errors import Conflict, PaymentDeclined
from insure.payments.processor import CardProcessor, SavedCard
from insure.policies.repository import PolicyRepository, StoredPolicy

if TYPE_CHECKING:
    from insure.applications.ports import Idempotency

LEASE_S = 120  # as the billing run's: how long a started attempt is held before it may be taken over


def owed_now(installments: list[InstallmentRecord], term: int, today: dt.date) -> list[InstallmentRecord]:
    """The installments of `term` owed today: declined and awaiting a retry, or due and not yet charged."""
    day = today.isoformat()
    return [
        r
        for r in installments
        if r.term == term and (r.status == "failed" or (r.status == "scheduled" and r.due_date <= day))
    ]


@dataclass
class OverdueService:
    billing: BillingRepository
    policies: PolicyRepository
    processor: CardProcessor
    table: str
    idempotency: Idempotency

    def pay(self, policy_number: str, body: OverduePayment, idempotency_key: str | None, caller: Caller) -> None:
        """Charge what is owed now to the card of `body` (once per Idempotency-Key)."""
        from insure.callers import owned
        from insure.payments.outcome import required_key

        key = required_key(idempotency_key)
        stored = owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")
        fingerprint = hashlib.sha256(body.payment_token.encode()).hexdigest()
        outcome = self.idempotency.run_once(
            f"overdue-payment:{policy_number}", key, fingerprint, lambda: self._pay(stored, body)
        )
        if outcome.get("refused") == "declined":
            raise PaymentDeclined(
                str(outcome["detail"]),
                extensions={"decline_code": outcome.get("decline_code"), "installment": outcome.get("installment")},
            )

    def _pay(self, stored: StoredPolicy, body: OverduePayment) -> dict[str, Any]:
        from insure.billing.cards import keep_new_card

        current = stored.current
        number = current.policy_number
        if current.status != "active" or current.cancellation is not None:
            raise Conflict(f"The policy is {current.status}; nothing can be paid on it.")
        owed = owed_now(self.billing.installments(number), current.term, timestamps.today())
        if not owed:
            raise Conflict("Nothing is overdue on this policy.")
        card = keep_new_card(self.processor, self.table, number, body.payment_token)
        paid: list[int] = []
        for record in owed:
            try:
                attempt = self.billing.start_attempt(
                    record,
                    today=record.next_attempt_on or record.due_date,  # owed now, whatever its retry day
                    now=int(timestamps.epoch()),
                    lease_s=LEASE_S,
                    made_by="customer",
                )
            except Lost:
                raise Conflict(
                    f"Installment {record.installment} is being charged right now; see the billing view shortly."
                ) from None
            declined = self._charge(stored, record, attempt, card)
            if declined is not None:
                return declined | {"paid": paid}
            paid.append(record.installment)
        self.billing.keep_card(
            number, card.customer_id, card.payment_method_id, card.brand, card.last4, made_by="customer"
        )
        return {"paid": paid}

    def _charge(
        self, stored: StoredPolicy, record: InstallmentRecord, attempt: int, card: SavedCard
    ) -> dict[str, Any] | None:
        """Charge one claimed attempt; None when paid, else the refusal to replay."""
        installment = record.installment
        result = charge_installment(self.processor, card, record, attempt)
        at = timestamps.now()
        if not result.approved:
            # the retry schedule stands
            record_declined(
                self.billing,
                record,
                attempt,
                result,
                at=at,
                next_attempt_on=record.next_attempt_on or record.due_date,
                made_by="customer",
            )
            return {
                "refused": "declined",
                "detail": result.message or "The card was declined.",
                "decline_code": result.decline_code,
                "installment": installment,
            }
        card_shown = {"brand": card.brand, "last4": card.last4}
        record_paid(
            self.billing,
            self.policies,
            stored,
            record,
            attempt=attempt,
            result=result,
            at=at,
            card=card_shown,
            by=", paid by the customer",
            made_by="customer",
        )
        return None
