"""Refunds with payment plans and renewals, to the cent: a plan's fee is not premium (never refunded), and only what
was paid for the term in force counts (a renewed policy's earlier terms are closed). Property-based over plans,
premiums, fees, what was paid and refunded, and the day of the change or the cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from insure.billing.plans import schedule
from insure.policies.proration import (
    PaidCharge,
    Period,
    Term,
    allocate_refund,
    cancellation_refund,
    decrease_settlement,
    premium_paid,
    premium_parts,
    refundable_charges,
)
from insure.products.rulebooks import PaymentPlanRule

CENT = Decimal("0.01")
money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("50000.00"), places=2)
premiums = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("50000.00"), places=2)
plans = st.builds(
    PaymentPlanRule,
    plan=st.sampled_from(["annual", "quarterly", "monthly"]),
    factor=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.1"), places=3),
    installment_fee=st.decimals(min_value=Decimal("0"), max_value=Decimal("5"), places=2),
)
TERM = Term(dt.date(2027, 1, 15), dt.date(2028, 1, 15))


@settings(max_examples=300, deadline=None)
@given(premium=premiums, rule=plans)
def test_each_installment_splits_into_premium_and_fee_that_add_up_to_the_plan(premium, rule):
    # Given a plan's schedule (premium + fee, in installments)
    plan = schedule(premium, rule, TERM.start)
    amounts = [i.amount for i in plan.installments]
    # When each installment is split into its premium part and its fee
    parts = premium_parts(amounts, plan.premium)
    fees = [a - p for a, p in zip(amounts, parts, strict=True)]
    # Then the premium parts add up to the premium and the fees to the plan's fee, to the cent
    assert sum(parts) == plan.premium
    assert sum(fees) == plan.fee
    # And no part is negative nor more than its installment
    assert all(Decimal(0) <= p <= a for p, a in zip(parts, amounts, strict=True))
    assert all(f >= 0 for f in fees)


@st.composite
def two_terms(draw):
    """Charges of a renewed policy: term 1 paid in full (annual), term 2 on a plan with some installments paid, and
    some refunds already made on term 2's charges."""
    first = draw(premiums)
    second_premium = draw(premiums)
    rule = draw(plans)
    plan = schedule(second_premium, rule, TERM.start)
    amounts = [i.amount for i in plan.installments]
    parts = premium_parts(amounts, plan.premium)
    paid = draw(st.integers(min_value=1, max_value=len(amounts)))
    charges = [PaidCharge("ch_term1", first, term=1)]
    for index in range(paid):
        refunded = draw(st.sampled_from([Decimal("0.00"), (parts[index] / 2).quantize(CENT)]))
        charges.append(PaidCharge(f"ch_t2_{index}", parts[index], term=2, refunded=refunded))
    return plan, amounts[:paid], charges


@settings(max_examples=300, deadline=None)
@given(case=two_terms(), day=st.integers(min_value=0, max_value=364), minimum=money)
def test_a_cancellation_in_the_second_term_refunds_only_premium_paid_for_that_term(case, day, minimum):
    plan, charged, charges = case
    # Given a renewed policy in its second term
    paid = premium_paid(charges, term=2)
    # Then what counts as paid is the second term's premium, net of refunds: no fee, nothing of the first term
    assert paid == sum(c.premium - c.refunded for c in charges[1:])
    assert paid <= sum(charged)
    # When it is cancelled on any day of the term
    effective = TERM.start + dt.timedelta(days=day)
    refund = cancellation_refund(TERM, [Period(plan.premium, TERM.start)], paid, effective, minimum)
    # Then the refund is never negative, never more than the term's premium paid, and what is kept is at least the
    # premium earned to that day and the minimum (or everything paid, when that is less)
    assert Decimal(0) <= refund <= paid
    earned = plan.premium * Decimal((effective - TERM.start).days) / Decimal(TERM.days)
    assert paid - refund >= min(paid, max(earned, minimum)) - CENT
    # And it is paid back from the second term's charges only, within what is left of each
    parts = allocate_refund(refundable_charges(charges, term=2), refund)
    assert sum(p for _, p in parts) == refund
    left = {c.charge_id: c.refundable for c in charges}
    assert all(charge_id != "ch_term1" and part <= left[charge_id] for charge_id, part in parts)


@settings(max_examples=300, deadline=None)
@given(
    decrease=money,
    unpaid=st.lists(st.decimals(min_value=Decimal("0.00"), max_value=Decimal("500.00"), places=2), max_size=12),
    refundable=money,
)
def test_a_decrease_lowers_the_installments_not_yet_charged_first_then_refunds_what_was_paid(
    decrease, unpaid, refundable
):
    # When an amendment lowers the premium by `decrease` for the rest of the term
    cuts, refund = decrease_settlement(decrease, unpaid, refundable)
    # Then no installment is lowered below its plan fee (by more than its premium) and the refund never exceeds
    # the premium paid for the term
    assert all(Decimal(0) <= cut <= premium for cut, premium in zip(cuts, unpaid, strict=True))
    assert Decimal(0) <= refund <= refundable
    # And the whole decrease is settled when the term's unpaid and paid premium can carry it
    assert sum(cuts) + refund == min(decrease, sum(unpaid) + refundable)
    # And the installments are lowered the last first: an earlier one only once every later one is at its fee
    for index, cut in enumerate(cuts):
        if cut > 0:
            assert all(cuts[later] == unpaid[later] for later in range(index + 1, len(cuts)))
    # And nothing is refunded while an installment still to be charged could carry the decrease
    if refund > 0:
        assert sum(cuts) == sum(unpaid)
