"""The billing view of a policy: its payment plan and schedule, every payment and refund on it, and what is
outstanding. Built from the records the platform keeps (the charge at bind on the application, the installments
of each term, later charges and refunds as `PAYMENT#` items of the policy); nothing here writes.

The schedule lists every installment of every term with its status (`paid`, `due` on or after its due date and not
yet paid, `failed` while it is retried, `scheduled`, `cancelled` once the policy ended before it, `lapsed` when it
ended the policy), its attempts and, once paid, the processor's order id and authorization id. Amendments settle
their premium difference at once (a charge or a refund). The balance is what is due now and not yet paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.billing.models import PaymentPlanView, PlanName
from insure.billing.records import CARD, InstallmentRecord
from insure.policies.models import Actor, PolicyVersion
from insure.policies.repository import PaymentRecord
from insure.types import Money

if TYPE_CHECKING:
    from insure.payments.history_repository import RecordVersion


class Installment(BaseModel):
    model_config = ConfigDict(defer_build=True)

    installment: int = Field(description="1 for the first installment of a term (charged at bind)")
    term: int = Field(1, description="The policy term it belongs to (1, then 2 after a renewal)")
    due_date: str = Field(description="The day it is due (a date)")
    amount: Money
    status: Literal["paid", "due", "failed", "scheduled", "cancelled", "lapsed"]
    attempts: int = Field(0, description="Charges tried so far")
    next_attempt_on: str | None = Field(None, description="When it is tried (again), while it is owed")
    processor_order_id: str | None = Field(None, description="The card processor's order id of the paying charge")
    authorization_id: str | None = Field(None, description="The card issuer's authorization of the paying charge")
    paid_at: str | None = None
    last_decline_code: str | None = Field(None, description="Why the last attempt failed, while it is owed")


class Payment(BaseModel):
    """A charge or a refund on the policy's card."""

    model_config = ConfigDict(defer_build=True)

    kind: Literal["charge", "refund"]
    amount: Money
    at: str | None = Field(description="When the processor answered (RFC 3339)")
    reason: str = Field(description="What it settled: 'premium', 'installment', 'amendment', 'cancellation'")
    reference: str | None = Field(None, description="The amendment or cancellation it settled")
    installment: int | None = Field(None, description="The installment a charge paid, when it paid one")
    term: int | None = Field(None, description="The term of that installment")
    attempts: int | None = Field(None, description="For an installment: the attempt that paid it")
    version: int = Field(description="The policy version it belongs to")
    processor_id: str | None = Field(None, description="The card processor's charge (order) or refund id")
    authorization_id: str | None = Field(None, description="The card issuer's authorization of a charge")
    card: dict[str, str] = Field(default_factory=dict, description="brand and last4 of the card")


class FieldChange(BaseModel):
    model_config = ConfigDict(defer_build=True)

    field: str = Field(description="The field of the record that changed")
    before: Any = Field(None, description="Its value before (null: it had none)")
    after: Any = Field(None, description="Its value after (null: it has none)")


class RecordVersionView(BaseModel):
    """One version of one payment record: each change of a record is its own version, never overwritten."""

    model_config = ConfigDict(defer_build=True)

    record: Literal["first_payment", "installment", "card", "charge", "refund"] = Field(
        description="Which record: the payment at bind (one version per attempt), an installment, the card kept "
        "for installments, a later charge or refund (never changed: one version)"
    )
    term: int | None = Field(None, description="For an installment: its term")
    installment: int | None = Field(None, description="For an installment: its number in the term")
    version: int = Field(description="The record's version number, from 1")
    effective_at: str = Field(description="When the version took effect (RFC 3339)")
    made_by: Actor = Field(description="Who made it: the customer, the back office, the workflow (the billing run)")
    change: str = Field(description="What it did: created, attempt_started, paid, declined, lowered, closed, ...")
    changes: list[FieldChange] = Field(description="The fields it changed")


class BillingView(BaseModel):
    """`GET /policies/{n}/billing`."""

    model_config = ConfigDict(defer_build=True)

    policy_number: str
    payment_plan: PlanName = Field(description="The plan the policy is paid on")
    plan: PaymentPlanView | None = Field(None, description="The plan's fee and its schedule as offered at bind")
    card: dict[str, str] = Field(default_factory=dict, description="The card kept for installments: brand, last4")
    schedule: list[Installment]
    payments: list[Payment] = Field(description="Every charge, oldest first")
    refunds: list[Payment] = Field(description="Every refund, oldest first")
    total_charged: Money
    total_refunded: Money
    balance: Money = Field(description="What is due now and not yet paid (0.00 when the policy is paid up)")
    history: list[RecordVersionView] = Field(
        default_factory=list, description="Every version of every payment record of the policy, oldest first"
    )


def history_view(versions: list[RecordVersion]) -> list[RecordVersionView]:
    """The versions of a policy's payment records (`insure.payments.history_repository`), oldest first."""
    shown = []
    for version in versions:
        where: dict[str, Any] = {}
        if version.record.startswith("INSTALLMENT#"):
            _, term, number = version.record.split("#")
            where = {"record": "installment", "term": int(term), "installment": int(number)}
        elif version.record.startswith("PAYMENT#"):
            where = {"record": "refund" if version.state.get("kind") == "refund" else "charge"}
        else:
            where = {"record": "card" if version.record == CARD else "first_payment"}
        shown.append(
            RecordVersionView(
                **where,
                version=version.version,
                effective_at=version.effective_at,
                made_by=version.made_by,
                change=version.change,
                changes=[FieldChange.model_validate(c) for c in version.changes],
            )
        )
    return sorted(shown, key=lambda v: v.effective_at)


def _reason(record: PaymentRecord) -> str:
    if record.installment is not None:
        return "installment"
    return "cancellation" if record.reference.startswith("cancel") else "amendment"


def _shown_status(record: InstallmentRecord, today: dt.date) -> str:
    if record.status == "scheduled" and dt.date.fromisoformat(record.due_date) <= today:
        return "due"
    return record.status


def billing_view(
    first: PolicyVersion,
    first_charge: tuple[str | None, dict[str, str], str | None],
    records: list[PaymentRecord],
    installments: list[InstallmentRecord] | None = None,
    *,
    current: PolicyVersion | None = None,
    today: dt.date | None = None,
    first_paid: dict[str, object] | None = None,
) -> BillingView:
    """The billing view of the policy whose first version is `first`, paid at bind by `first_charge` (the
    processor's charge id, the card, when; `first_paid` the rest of what the application recorded), with the
    later `records` and the terms' `installments` (none for a policy issued before installments: one annual
    installment of the first premium)."""
    from insure import timestamps

    today = today or timestamps.today()
    current = current or first
    charge_id, card, paid_at = first_charge
    paid = first_paid or {}
    first_amount = Money(**paid["amount"]) if isinstance(paid.get("amount"), dict) else first.premium  # type: ignore[arg-type]
    if installments:
        schedule = [
            Installment(
                installment=r.installment,
                term=r.term,
                due_date=r.due_date,
                amount=Money.of(Decimal(r.amount)),
                status=_shown_status(r, today),  # type: ignore[arg-type]
                attempts=r.attempts,
                next_attempt_on=r.next_attempt_on,
                processor_order_id=r.processor_order_id,
                authorization_id=r.authorization_id or None,
                paid_at=r.paid_at,
                last_decline_code=r.last_decline_code if r.status == "failed" else None,
            )
            for r in installments
        ]
    else:
        schedule = [
            Installment(
                installment=1,
                due_date=first.effective_date,
                amount=first.premium,
                status="paid" if charge_id else "due",
                attempts=1 if charge_id else 0,
                processor_order_id=charge_id,
                paid_at=paid_at,
            )
        ]
    charges: list[Payment] = []
    if charge_id:
        attempts = paid.get("attempts")
        charges.append(
            Payment(
                kind="charge",
                amount=first_amount,
                at=paid_at,
                reason="premium",
                installment=1,
                term=1,
                attempts=int(attempts) if isinstance(attempts, int | str) else 1,
                version=first.version,
                processor_id=charge_id,
                authorization_id=str(paid["authorization_id"]) if paid.get("authorization_id") else None,
                card=card,
            )
        )
    refunds: list[Payment] = []
    for record in records:
        payment = Payment(
            kind="charge" if record.kind == "charge" else "refund",
            amount=Money.of(Decimal(record.amount)),
            at=record.at,
            reason=_reason(record),
            reference=record.reference,
            installment=record.installment,
            term=record.term,
            attempts=record.attempts,
            version=record.version,
            processor_id=record.processor_id,
            authorization_id=record.authorization_id,
            card=record.card,
        )
        (charges if record.kind == "charge" else refunds).append(payment)
    charged = sum((p.amount.decimal for p in charges), Decimal("0"))
    refunded = sum((p.amount.decimal for p in refunds), Decimal("0"))
    due = sum((i.amount.decimal for i in schedule if i.status in ("due", "failed")), Decimal("0"))
    return BillingView(
        policy_number=first.policy_number,
        payment_plan=current.payment_plan,
        plan=current.payment_schedule,
        card=card,
        schedule=schedule,
        payments=charges,
        refunds=refunds,
        total_charged=Money.of(charged),
        total_refunded=Money.of(refunded),
        balance=Money.of(due),
    )
