"""Payment plans: every plan of every product's rulebook gives a schedule of amounts and due dates that sums to
the premium plus the rulebook's fee, to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insure.billing.plans import add_months, fee_of, schedule, schedules
from insure.products.rulebooks import PaymentPlanRule, parse_document, rulebook_files

BOOKS = {product: parse_document(text) for product, text in rulebook_files().items()}
PLANS = [(product, rule) for product, book in BOOKS.items() for rule in book.payment_plans]
START = dt.date(2026, 12, 1)


@pytest.mark.parametrize("product", sorted(BOOKS))
def test_each_product_offers_annual_quarterly_and_monthly_each_installment_plan_with_a_fee_or_a_factor(
    product: str,
) -> None:
    # Given one product's rulebook
    plans = BOOKS[product].payment_plans
    # Then it offers the three plans, in that order
    assert [r.plan for r in plans] == ["annual", "quarterly", "monthly"]
    # And paying in full costs nothing more, while each installment plan charges a factor or a fee per installment
    annual, *installments = plans
    assert (annual.factor, annual.installment_fee) == (Decimal(0), Decimal(0))
    for rule in installments:
        assert rule.factor > 0 or rule.installment_fee > 0, f"{product} {rule.plan} has neither fee nor factor"


@pytest.mark.parametrize(("product", "rule"), PLANS, ids=[f"{p}-{r.plan}" for p, r in PLANS])
@pytest.mark.parametrize("premium", ["1234.57", "25.00", "0.11", "99999.99"])
def test_each_schedule_sums_to_premium_plus_fee_to_the_cent(product: str, rule: PaymentPlanRule, premium: str) -> None:
    # Given a product's plan and an annual premium
    shown = schedule(Decimal(premium), rule, START)
    # Then the installments add up to premium plus fee exactly, the fee is what the rulebook says
    amounts = [i.amount for i in shown.installments]
    assert sum(amounts) == Decimal(premium) + shown.fee
    expected_fee = (Decimal(premium) * rule.factor).quantize(Decimal("0.01")) + rule.installment_fee * len(amounts)
    assert shown.fee == fee_of(Decimal(premium), rule) == expected_fee.quantize(Decimal("0.01"))
    # And every amount is in whole cents, the count is the plan's, none after the first exceeds it
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts)
    assert len(amounts) == {"annual": 1, "quarterly": 4, "monthly": 12}[rule.plan]
    assert all(a <= amounts[0] for a in amounts) and max(amounts) - min(amounts) < Decimal("0.01") * len(amounts)
    # And the first is due on the first day of the term, each later one a period on, all within the term
    assert shown.installments[0].due_date == START
    assert all(i.due_date < add_months(START, 12) for i in shown.installments)


def test_the_monthly_computer_plan_as_the_rulebook_prices_it() -> None:
    # Given the computer rulebook's monthly plan (3 % of the premium and 1.00 per installment)
    rule = next(r for r in BOOKS["computer"].payment_plans if r.plan == "monthly")
    # When a premium of 52.50 is spread over twelve months from 31 January
    shown = schedule(Decimal("52.50"), rule, dt.date(2027, 1, 31))
    # Then the fee is 1.58 + 12.00, the total 66.08: eleven of 5.50 and a first of 5.58
    assert shown.fee == Decimal("13.58") and shown.total == Decimal("66.08")
    assert [i.amount for i in shown.installments] == [Decimal("5.58")] + [Decimal("5.50")] * 11
    # And the days follow the month, clamped to a short month's end
    assert [i.due_date.isoformat() for i in shown.installments[:4]] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
    ]


def test_quarterly_due_dates_are_three_months_apart() -> None:
    shown = schedule(Decimal("100.00"), PaymentPlanRule(plan="quarterly"), dt.date(2028, 11, 30))
    assert [i.due_date.isoformat() for i in shown.installments] == [
        "2028-11-30",
        "2029-02-28",
        "2029-05-30",
        "2029-08-30",
    ]
    assert [str(i.amount) for i in shown.installments] == ["25.00"] * 4


def test_a_rulebook_without_plans_offers_annual_only_and_a_plan_listed_twice_is_refused() -> None:
    text = rulebook_files()["computer"]
    import json

    document = json.loads(text)
    document.pop("payment_plans")
    assert [r.plan for r in parse_document(json.dumps(document)).payment_plans] == ["annual"]
    document["payment_plans"] = [{"plan": "monthly"}, {"plan": "monthly", "factor": "0.01"}]
    with pytest.raises(ValueError, match="each plan at most once"):
        parse_document(json.dumps(document))


@settings(deadline=None, max_examples=300)
@given(
    cents=st.integers(min_value=1, max_value=10_000_000),
    factor=st.decimals(min_value=0, max_value=Decimal("0.5"), places=4),
    fee=st.decimals(min_value=0, max_value=20, places=2),
    plan=st.sampled_from(["annual", "quarterly", "monthly"]),
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2040, 12, 31)),
)
def test_any_premium_any_plan_sums_to_the_cent(
    cents: int, factor: Decimal, fee: Decimal, plan: str, start: dt.date
) -> None:
    premium = Decimal(cents) / 100
    rule = PaymentPlanRule(plan=plan, factor=factor, installment_fee=fee)  # type: ignore[arg-type]
    offered = schedules(premium, [rule], start)
    if not offered:  # installments under a cent: not offered
        assert premium + fee_of(premium, rule) < Decimal("0.01") * rule.installments
        return
    shown = offered[0]
    assert sum(i.amount for i in shown.installments) == premium + shown.fee
    assert all(i.amount > 0 for i in shown.installments)
    dates = [i.due_date for i in shown.installments]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
