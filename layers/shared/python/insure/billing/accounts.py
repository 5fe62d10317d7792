"""Opening a policy's billing at issuance: the account (plan, the card kept at the processor, whom to tell) and
the term's installments, the first already paid at bind."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from insure.billing.records import BillingAccount, InstallmentRecord
from insure.billing.repository import BillingRepository

if TYPE_CHECKING:
    from insure.applications.repository import ApplicationRecord
    from insure.policies.models import PolicyVersion


def renewal_day(policy: PolicyVersion, notice_days: int) -> str:
    """The day the renewal of `policy`'s term is offered: `notice_days` before it ends."""
    return (dt.date.fromisoformat(policy.expiry_date) - dt.timedelta(days=notice_days)).isoformat()


def contact_of(applicant: dict[str, Any]) -> tuple[str, str]:
    """(e-mail, the name to greet) of an applicant."""
    name = applicant.get("first_name") or applicant.get("contact_name") or applicant.get("company_name") or ""
    return str(applicant.get("email") or ""), str(name)


def term_installments(
    policy: PolicyVersion, first_paid: dict[str, Any] | None, *, term: int = 1
) -> list[InstallmentRecord]:
    """The installments of `policy`'s term from its payment schedule (the whole premium when it has none); the
    first is recorded as paid by `first_paid` (the charge at bind: its order id, authorization id, time)."""
    schedule: list[dict[str, Any]] = (
        policy.payment_schedule.model_dump(mode="json")["schedule"]
        if policy.payment_schedule is not None
        else [{"installment": 1, "due_date": policy.effective_date, "amount": policy.premium.model_dump()}]
    )
    from decimal import Decimal

    from insure.policies.proration import premium_parts

    amounts = [Decimal(entry["amount"]["amount"]) for entry in schedule]
    premium = (
        Decimal(policy.payment_schedule.total.amount) - Decimal(policy.payment_schedule.fee.amount)
        if policy.payment_schedule is not None
        else sum(amounts, Decimal(0))
    )
    parts = premium_parts(amounts, premium)
    records = []
    for entry, amount, part in zip(schedule, amounts, parts, strict=True):
        number = int(entry["installment"])
        record = InstallmentRecord(
            fee=str(amount - part),
            policy_number=policy.policy_number,
            term=term,
            installment=number,
            due_date=entry["due_date"],
            amount=entry["amount"]["amount"],
            next_attempt_on=entry["due_date"],
        )
        if number == 1 and first_paid:
            record.status, record.attempts, record.settled, record.next_attempt_on = "paid", 1, 1, None
            record.processor_order_id = first_paid.get("charge_id")
            record.authorization_id = first_paid.get("authorization_id")
            record.paid_at = first_paid.get("paid_at")
            attempts = int(first_paid.get("attempts") or 1)
            record.history = [
                {"attempt": attempts, "at": record.paid_at, "outcome": "paid", "order_id": record.processor_order_id}
            ]
        records.append(record)
    return records


def open_billing(table: str, policy: PolicyVersion, application: ApplicationRecord) -> None:
    """The billing account and installments of a newly issued policy (idempotent)."""
    from insure.settings import get_settings

    payment = application.payment or {}
    email, name = contact_of(application.input.get("applicant") or {})
    account = BillingAccount(
        policy_number=policy.policy_number,
        plan=policy.payment_plan,
        customer_id=payment.get("customer_id"),
        payment_method_id=payment.get("payment_method_id"),
        brand=str(payment.get("brand") or ""),
        last4=str(payment.get("last4") or ""),
        email=email,
        name=name,
        term=policy.term,
        renewal_on=renewal_day(policy, get_settings().renewal_notice_days),
    )
    paid = payment if payment.get("charge_id") else None
    BillingRepository(table).open_account(account, term_installments(policy, paid, term=policy.term))
