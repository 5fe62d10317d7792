"""Billing's records: a policy's billing account and its installments, as the billing run, renewals and the
billing view use them (`insure.billing.repository` is the only code that knows how they are stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OWED = ("scheduled", "failed")
"""The statuses of an installment still to be charged."""

CARD = "CARD"
"""The record name of the card kept on a billing account, in its versions (`insure.payments.history_repository`)."""


def installment_key(term: int, number: int) -> str:
    return f"INSTALLMENT#{term:02d}#{number:02d}"


@dataclass(frozen=True)
class BillingAccount:
    policy_number: str
    plan: str
    customer_id: str | None
    payment_method_id: str | None
    brand: str = ""
    last4: str = ""
    email: str = ""
    name: str = ""
    term: int = 1
    card_version: int = 0  # the kept card's latest version (payments.history_repository); 0: none kept
    renewal_on: str | None = None  # the day the next term's renewal is offered (None once handled)
    renewal: dict[str, Any] | None = None  # the renewal offered for the next term, as the customer sees it

    @property
    def card(self) -> dict[str, str]:
        return {k: v for k, v in (("brand", self.brand), ("last4", self.last4)) if v}


@dataclass
class InstallmentRecord:
    policy_number: str
    term: int
    installment: int
    due_date: str
    amount: str
    status: str = "scheduled"
    attempts: int = 0
    settled: int = 0
    next_attempt_on: str | None = None
    lease_until: int = 0
    processor_order_id: str | None = None
    authorization_id: str | None = None
    paid_at: str | None = None
    last_decline_code: str | None = None
    last_decline_message: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # every attempt: when, outcome, order id
    fee: str = "0.00"  # the plan fee in `amount` (the rest is premium)
    adjustments: dict[str, str] = field(default_factory=dict)  # amendment id -> premium taken off `amount`
    version: int = 0  # its latest version (payments.history_repository); 0: kept before versions

    @property
    def sort_key(self) -> str:
        return installment_key(self.term, self.installment)


class Lost(Exception):
    """Another run holds or settled this attempt (a conditional write lost): leave the installment to it."""
