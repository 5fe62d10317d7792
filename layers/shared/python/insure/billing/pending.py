"""The renewal awaiting a customer, as their list of policies shows it (`GET /me/policies`): read from the policy's
billing account, where the renewal run keeps it (`insure.billing.renewals`)."""

from __future__ import annotations

from typing import Any

from insure.billing.models import PaymentPlanView, PendingRenewal
from insure.billing.records import BillingAccount, InstallmentRecord
from insure.types import Money

PENDING = ("offered", "accepted", "declined")


def pending_renewal(account: BillingAccount | None, current_term: int, base_url: str) -> PendingRenewal | None:
    """The renewal of the policy's current term while it awaits the customer (offered, accepted) or says why it
    cannot renew (declined); None before the run decided, once renewed or expired, or for an earlier term."""
    renewal: dict[str, Any] = (account.renewal if account is not None else None) or {}
    if renewal.get("status") not in PENDING or renewal.get("term") != current_term + 1:
        return None
    assert account is not None
    offer: dict[str, Any] = renewal.get("offer") or {}
    return PendingRenewal(
        status=renewal["status"],
        term=int(renewal["term"]),
        premium=offer.get("premium"),
        previous_premium=offer.get("previous_premium"),
        effective_date=offer.get("effective_date"),
        deadline=offer.get("effective_date"),
        payment_plans=[PaymentPlanView.model_validate(p) for p in offer.get("payment_plans") or []],
        reasons=[str(r.get("sentence") or r.get("rule_id") or "") for r in renewal.get("reasons") or []],
        url=f"{base_url.rstrip('/')}/policies/{account.policy_number}/renewal",
    )


def payment_failed(installments: list[InstallmentRecord], current_term: int) -> Money | None:
    """What is owed on the current term's declined installments (awaiting a retry), or None when none failed."""
    from decimal import Decimal

    failed = [Decimal(r.amount) for r in installments if r.term == current_term and r.status == "failed"]
    return Money.of(sum(failed, Decimal(0))) if failed else None
