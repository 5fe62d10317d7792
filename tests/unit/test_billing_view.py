"""The billing view of a policy: the annual plan's one installment, every charge and refund, and the balance."""

from __future__ import annotations

from insure.policies.billing import billing_view
from insure.policies.models import PolicyVersion
from insure.policies.repository import PaymentRecord
from insure.types import Money

FIRST = PolicyVersion(
    policy_number="P-1",
    version=1,
    change="issued",
    application_id="app-1",
    product="computer",
    state="NY",
    insured="Ada Lovelace",
    applicant_type="personal",
    items=[{"item_id": "item-1"}],
    premium=Money(amount="120.00"),
    effective_date="2026-12-01",
    expiry_date="2027-12-01",
    issued_at="2026-12-01T10:00:00Z",
    document_key="policies/P-1/v0001.pdf",
)


def record(kind: str, amount: str, reference: str, version: int) -> PaymentRecord:
    return PaymentRecord(f"{kind}-{reference}", kind, amount, "2026-12-02T10:00:00Z", version, reference, f"pr-{kind}")


def test_a_policy_paid_at_bind_owes_nothing_and_lists_its_premium_charge():
    view = billing_view(FIRST, ("ch_1", {"brand": "visa", "last4": "4242"}, "2026-12-01T10:00:00Z"), [])
    assert view.payment_plan == "annual"
    assert [(i.installment, i.due_date, i.amount.amount, i.status) for i in view.schedule] == [
        (1, "2026-12-01", "120.00", "paid")
    ]
    assert [(p.reason, p.installment, p.processor_id, p.card["last4"]) for p in view.payments] == [
        ("premium", 1, "ch_1", "4242")
    ]
    assert (view.total_charged.amount, view.balance.amount) == ("120.00", "0.00")


def test_amendment_charges_and_refunds_are_listed_apart_and_totalled():
    later = [record("charge", "30.50", "amd_1", 2), record("refund", "12.25", "cancel-1", 3)]
    view = billing_view(FIRST, ("ch_1", {}, None), later)
    assert [(p.reason, p.amount.amount, p.version) for p in view.payments] == [
        ("premium", "120.00", 1),
        ("amendment", "30.50", 2),
    ]
    assert [(r.reason, r.amount.amount) for r in view.refunds] == [("cancellation", "12.25")]
    assert (view.total_charged.amount, view.total_refunded.amount) == ("150.50", "12.25")


def test_an_unpaid_first_installment_is_the_balance():
    view = billing_view(FIRST, (None, {}, None), [])
    assert [i.status for i in view.schedule] == ["due"]
    assert view.payments == [] and view.balance.amount == "120.00"
