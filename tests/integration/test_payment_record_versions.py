"""Every change of a payment record is its own numbered version, never overwritten: the installments of a policy
and the card kept on its billing account, in the billing repository on a bare moto table."""

from __future__ import annotations

import re
from dataclasses import asdict

import pytest

from insure.billing.records import CARD, BillingAccount, InstallmentRecord, Lost
from insure.billing.repository import BillingRepository
from insure.payments.history_repository import PREFIX, RecordHistory, RecordVersion
from insure.timestamps import PATTERN
from tests.moto_table import key_table

NUMBER = "POL-V1"
TODAY = "2026-12-03"


@pytest.fixture
def dynamodb():
    yield from key_table()


@pytest.fixture
def billing(dynamodb) -> BillingRepository:
    return BillingRepository("t", dynamodb)


def opened(billing: BillingRepository) -> list[InstallmentRecord]:
    """A monthly policy's account (card visa 4242) and its first two installments, the second still owed."""
    account = BillingAccount(NUMBER, "monthly", "cus_1", "pm_1", "visa", "4242", "ada@example.com", "Ada")
    first = InstallmentRecord(NUMBER, 1, 1, "2026-11-03", "10.50", status="paid", attempts=1, settled=1, fee="0.50")
    second = InstallmentRecord(NUMBER, 1, 2, TODAY, "10.50", next_attempt_on=TODAY, fee="0.50")
    billing.open_account(account, [first, second])
    return billing.installments(NUMBER)


def versions(billing: BillingRepository, record: str) -> list[RecordVersion]:
    return [v for v in billing.versions(NUMBER) if v.record == record]


def version_items(dynamodb) -> dict[str, dict]:
    """Every version item of the policy as stored (sort key -> its item), to prove earlier ones never change."""
    items = dynamodb.scan(TableName="t")["Items"]
    return {i["sk"]["S"]: i for i in items if i["sk"]["S"].startswith(PREFIX)}


def changed(version: RecordVersion) -> dict[str, tuple]:
    return {c["field"]: (c["before"], c["after"]) for c in version.changes}


def test_opening_billing_keeps_each_installment_and_the_card_as_their_version_1(billing):
    # When a policy's billing is opened
    second = opened(billing)[1]
    # Then each installment and the kept card have a version 1 made by the workflow, saying what it set
    assert second.version == 1
    [created] = versions(billing, second.sort_key)
    assert (created.version, created.change, created.made_by) == (1, "created", "workflow")
    assert changed(created)["amount"] == (None, "10.50") and created.state["status"] == "scheduled"
    [card] = versions(billing, CARD)
    assert (card.version, card.change, card.made_by) == (1, "card_kept", "workflow")
    assert changed(card)["last4"] == (None, "4242")
    assert billing.account(NUMBER).card_version == 1
    # When the issuance is retried, Then nothing is kept twice and nothing is overwritten
    opened(billing)
    assert len(billing.versions(NUMBER)) == 3


def test_an_installment_lowered_by_an_amendment_is_a_new_version_by_the_customer(billing, dynamodb):
    second = opened(billing)[1]
    before = version_items(dynamodb)
    # When an amendment takes 2.00 off the owed installment
    assert billing.lower(second, "2.00", amendment_id="amd_1")
    # Then it is version 2, made by the customer, changing its amount and the adjustments, at a time in RFC 3339
    lowered = versions(billing, second.sort_key)[-1]
    assert (lowered.version, lowered.change, lowered.made_by) == (2, "lowered", "customer")
    assert changed(lowered) == {"amount": ("10.50", "8.50"), "adjustments": ({}, {"amd_1": "2.00"})}
    assert re.match(PATTERN, lowered.effective_at)
    # And the head shows it; every earlier version item is exactly as it was
    assert (billing.installments(NUMBER)[1].amount, billing.installments(NUMBER)[1].version) == ("8.50", 2)
    assert {k: v for k, v in version_items(dynamodb).items() if k in before} == before
    # When the same amendment lowers it again (a retry), Then nothing changes
    assert not billing.lower(billing.installments(NUMBER)[1], "2.00", amendment_id="amd_1")
    assert len(versions(billing, second.sort_key)) == 2


def test_an_installment_closed_by_the_billing_run_is_a_new_version_by_the_workflow(billing):
    second = opened(billing)[1]
    # When the billing run closes it (the policy ended)
    billing.close(second, "cancelled")
    # Then it is version 2 by the workflow: its status, and it is no longer tried
    closed = versions(billing, second.sort_key)[-1]
    assert (closed.version, closed.change, closed.made_by) == (2, "closed", "workflow")
    assert changed(closed) == {"status": ("scheduled", "cancelled"), "next_attempt_on": (TODAY, None)}
    assert billing.installments(NUMBER)[1].status == "cancelled" and second.version == 2


def test_a_charge_by_the_run_is_two_versions_its_attempt_then_its_outcome(billing):
    second = opened(billing)[1]
    # When the run claims an attempt and the card pays
    attempt = billing.start_attempt(second, today=TODAY, now=1000, lease_s=120)
    billing.settle_paid(second, attempt, order_id="ch_2", authorization_id="au_2", at="2026-12-03T10:00:00Z")
    # Then the attempt and the payment are versions 2 and 3, each with what it changed
    started, paid = versions(billing, second.sort_key)[1:]
    assert (started.version, started.change, changed(started)["attempts"]) == (2, "attempt_started", (0, 1))
    assert (paid.version, paid.change, paid.made_by) == (3, "paid", "workflow")
    assert changed(paid)["status"] == ("scheduled", "paid") and changed(paid)["processor_order_id"] == (None, "ch_2")
    assert billing.installments(NUMBER)[1].status == "paid"


def test_a_replaced_card_is_a_new_version_and_the_account_s_other_writes_never_touch_it(billing, dynamodb):
    opened(billing)
    first = version_items(dynamodb)[f"{PREFIX}{CARD}#0001"]
    # When the customer pays with another card, which is kept
    billing.keep_card(NUMBER, "cus_2", "pm_2", "mastercard", "4444")
    # Then it is the card's version 2, made by the customer, with the fields it changed; version 1 unchanged
    replaced = versions(billing, CARD)[-1]
    assert (replaced.version, replaced.change, replaced.made_by) == (2, "card_replaced", "customer")
    assert changed(replaced) == {
        "customer_id": ("cus_1", "cus_2"),
        "payment_method_id": ("pm_1", "pm_2"),
        "brand": ("visa", "mastercard"),
        "last4": ("4242", "4444"),
    }
    assert version_items(dynamodb)[f"{PREFIX}{CARD}#0001"] == first
    # When the same card is kept again, Then there is no new version
    billing.keep_card(NUMBER, "cus_2", "pm_2", "mastercard", "4444")
    assert len(versions(billing, CARD)) == 2
    # When a renewal writes the account as it read it before the card changed, Then the card stays the new one
    stale = BillingAccount(NUMBER, "monthly", "cus_1", "pm_1", "visa", "4242", "ada@example.com", "Ada", term=2)
    billing.put_account(stale)
    account = billing.account(NUMBER)
    assert (account.term, account.last4, account.card_version) == (2, "4444", 2)


def test_a_second_write_of_the_same_version_number_is_refused(billing, dynamodb):
    second = opened(billing)[1]
    kept = version_items(dynamodb)[f"{PREFIX}{second.sort_key}#0001"]
    # When anyone writes version 1 of the installment again, Then it is refused and the stored one is unchanged
    again = RecordVersion(second.sort_key, 1, "2026-12-03T11:00:00Z", "back_office", "created", [], {})
    assert not RecordHistory("t", dynamodb).add(f"POLICY#{NUMBER}", again)
    assert version_items(dynamodb)[f"{PREFIX}{second.sort_key}#0001"] == kept
    # When a writer changes the installment as it read it before another change, Then it loses and overwrites nothing
    stale = billing.installments(NUMBER)[1]
    billing.close(billing.installments(NUMBER)[1], "cancelled")
    with pytest.raises(Lost):
        billing.start_attempt(stale, today=TODAY, now=1000, lease_s=120)
    assert [v.change for v in versions(billing, second.sort_key)] == ["created", "closed"]
    assert billing.installments(NUMBER)[1].status == "cancelled"


def test_a_version_whose_writer_stopped_before_the_head_is_never_lost(billing, dynamodb):
    second = opened(billing)[1]
    # Given a run that kept its attempt's version, then stopped before writing the installment itself
    crashed = RecordVersion(
        second.sort_key,
        2,
        "2026-12-03T10:00:00Z",
        "workflow",
        "attempt_started",
        [{"field": "attempts", "before": 0, "after": 1}],
        {**asdict(second), "attempts": 1, "lease_until": 1120},
    )
    del crashed.state["version"]
    assert RecordHistory("t", dynamodb).add(f"POLICY#{NUMBER}", crashed)
    # When the next writer changes the installment as it read it, Then it loses to that version ...
    with pytest.raises(Lost):
        billing.start_attempt(billing.installments(NUMBER)[1], today=TODAY, now=2000, lease_s=120)
    # ... which is now the installment's head, and the attempt is taken over under the same number afterwards
    head = billing.installments(NUMBER)[1]
    assert (head.version, head.attempts, head.lease_until) == (2, 1, 1120)
    assert billing.start_attempt(head, today=TODAY, now=2000, lease_s=120) == 1
    assert [v.change for v in versions(billing, second.sort_key)] == [
        "created",
        "attempt_started",
        "attempt_taken_over",
    ]
