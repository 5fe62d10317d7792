"""The billing view of a policy: its payment plan and schedule, every payment and refund on it, and what is
outstanding. Built from the records the platform keeps (the charge at issuance on the application, later charges
and refunds as `PAYMENT#` items of the policy); nothing here writes.

Every policy is on the annual plan today: one installment of the first version's premium, due on the first day of
the term and charged at bind. Amendments settle their premium difference at once (a charge or a refund), so an
amended policy owes nothing between versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.policies.models import PolicyVersion
from insure.policies.repository import PaymentRecord
from insure.types import Money


class Installment(BaseModel):
    model_config = ConfigDict(defer_build=True)

    installment: int = Field(description="1 for the first installment")
    due_date: str = Field(description="The day it is due (a date)")
    amount: Money
    status: Literal["paid", "due", "scheduled"]


class Payment(BaseModel):
    """A charge or a refund on the policy's card."""

    model_config = ConfigDict(defer_build=True)

    kind: Literal["charge", "refund"]
    amount: Money
    at: str | None = Field(description="When the processor answered (RFC 3339)")
    reason: str = Field(description="What it settled: 'premium', 'amendment', 'cancellation'")
    reference: str | None = Field(None, description="The amendment or cancellation it settled")
    installment: int | None = Field(None, description="The installment a charge paid, when it paid one")
    version: int = Field(description="The policy version it belongs to")
    processor_id: str | None = Field(None, description="The card processor's charge or refund id")
    card: dict[str, str] = Field(default_factory=dict, description="brand and last4 of the card")


class BillingView(BaseModel):
    """`GET /policies/{n}/billing`."""

    model_config = ConfigDict(defer_build=True)

    policy_number: str
    payment_plan: Literal["annual"] = Field(description="The plan the policy is paid on")
    schedule: list[Installment]
    payments: list[Payment] = Field(description="Every charge, oldest first")
    refunds: list[Payment] = Field(description="Every refund, oldest first")
    total_charged: Money
    total_refunded: Money
    balance: Money = Field(description="What is due now and not yet paid (0.00 when the policy is paid up)")


def _reason(record: PaymentRecord) -> str:
    return "cancellation" if record.reference.startswith("cancel") else "amendment"


def billing_view(
    first: PolicyVersion,
    first_charge: tuple[str | None, dict[str, str], str | None],
    records: list[PaymentRecord],
) -> BillingView:
    """The billing view of the policy whose first version is `first`, paid at issuance by `first_charge` (the
    processor's charge id, the card, when), with the later `records`."""
    charge_id, card, paid_at = first_charge
    paid_at_issuance = charge_id is not None
    schedule = [
        Installment(
            installment=1,
            due_date=first.effective_date,
            amount=first.premium,
            status="paid" if paid_at_issuance else "due",
        )
    ]
    charges: list[Payment] = []
    if paid_at_issuance:
        charges.append(
            Payment(
                kind="charge",
                amount=first.premium,
                at=paid_at,
                reason="premium",
                installment=1,
                version=first.version,
                processor_id=charge_id,
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
            version=record.version,
            processor_id=record.processor_id,
            card=record.card,
        )
        (charges if record.kind == "charge" else refunds).append(payment)
    charged = sum((p.amount.decimal for p in charges), Decimal("0"))
    refunded = sum((p.amount.decimal for p in refunds), Decimal("0"))
    due = sum((i.amount.decimal for i in schedule if i.status == "due"), Decimal("0"))
    return BillingView(
        policy_number=first.policy_number,
        payment_plan="annual",
        schedule=schedule,
        payments=charges,
        refunds=refunds,
        total_charged=Money.of(charged),
        total_refunded=Money.of(refunded),
        balance=Money.of(due),
    )
