"""Pro-rata arithmetic, property-based: over any chain of amendments the customer pays, in total, what each
version earned over the share of the term it was in force (within a cent per amendment); a refund never exceeds
what was paid; a cancellation on the first day keeps only the rulebook's minimum premium."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insure.policies.proration import (
    Period,
    Term,
    allocate_refund,
    cancellation_refund,
    earned,
    premium_difference,
)

CENT = Decimal("0.01")
# Pure arithmetic: no deadline and no slow-generation check, which fail on a loaded machine, not on the code.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
premiums = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("50000.00"), places=2)


@st.composite
def terms(draw: st.DrawFn) -> Term:
    start = draw(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31)))
    try:
        end = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        end = start + dt.timedelta(days=365)
    return Term(start, end)


@st.composite
def chains(draw: st.DrawFn) -> tuple[Term, list[Period]]:
    """A term and its versions: the issued one, then amendments on non-decreasing days within the term."""
    term = draw(terms())
    offsets = sorted(draw(st.lists(st.integers(min_value=0, max_value=term.days - 1), max_size=8)))
    periods = [Period(draw(premiums), term.start)]
    periods += [Period(draw(premiums), term.start + dt.timedelta(days=offset)) for offset in offsets]
    return term, periods


def paid_over(term: Term, periods: list[Period]) -> tuple[Decimal, list[Decimal]]:
    """What the customer pays: the first premium at issuance, then each amendment's difference."""
    differences = [
        premium_difference(term, before.annual, after.annual, after.start)
        for before, after in itertools.pairwise(periods)
    ]
    return periods[0].annual + sum(differences, Decimal("0")), differences


@relaxed
@given(chains())
def test_total_paid_equals_each_versions_premium_over_its_share_of_the_term(chain):
    term, periods = chain
    paid, _ = paid_over(term, periods)
    in_force = earned(term, periods, term.end)  # every version, over the share of the term it was in force
    amendments = len(periods) - 1
    assert abs(Fraction(paid) - in_force) <= Fraction(amendments, 100)  # exact when nothing was amended


@relaxed
@given(chains())
def test_no_amendment_refunds_more_than_the_customer_has_paid_so_far(chain):
    term, periods = chain
    _, differences = paid_over(term, periods)
    paid = periods[0].annual
    for difference in differences:
        paid += difference
        assert paid >= -CENT * len(differences)  # never owed back more than was paid (rounding aside)


@relaxed
@given(chains(), st.integers(min_value=0, max_value=400), premiums)
def test_a_cancellation_refund_is_never_negative_nor_more_than_was_paid(chain, offset, minimum):
    term, periods = chain
    paid, _ = paid_over(term, periods)
    paid = max(paid, Decimal("0.00"))
    effective = term.clamp(max(periods[-1].start, term.start + dt.timedelta(days=offset)))
    refund = cancellation_refund(term, periods, paid, effective, minimum)
    assert Decimal("0.00") <= refund <= paid
    assert refund == refund.quantize(CENT)


@relaxed
@given(terms(), premiums, premiums)
def test_a_cancellation_on_the_first_day_refunds_everything_but_the_minimum_premium(term, annual, minimum):
    refund = cancellation_refund(term, [Period(annual, term.start)], annual, term.start, minimum)
    assert refund == max(annual - minimum, Decimal("0.00"))


@relaxed
@given(terms(), premiums, st.integers(min_value=0, max_value=366))
def test_a_cancellation_refunds_the_unearned_share_when_it_exceeds_the_minimum(term, annual, offset):
    effective = term.clamp(term.start + dt.timedelta(days=offset))
    refund = cancellation_refund(term, [Period(annual, term.start)], annual, effective, Decimal("0.00"))
    exact = Fraction(annual) * term.remaining(effective)
    assert abs(Fraction(refund) - exact) <= Fraction(1, 200)


def test_half_a_year_left_costs_half_the_difference():
    term = Term(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert premium_difference(term, Decimal("100.00"), Decimal("200.00"), dt.date(2026, 7, 2)) == Decimal("50.14")
    assert premium_difference(term, Decimal("200.00"), Decimal("100.00"), dt.date(2026, 7, 2)) == Decimal("-50.14")
    assert premium_difference(term, Decimal("100.00"), Decimal("200.00"), dt.date(2026, 1, 1)) == Decimal("100.00")


@relaxed
@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=5), premiums), min_size=1, max_size=5, unique_by=lambda c: c[0]),
    premiums,
)
def test_a_refund_is_split_over_charges_first_charge_first_never_beyond_what_each_allows(charges, amount):
    parts = allocate_refund(charges, amount)
    allowed = dict(charges)
    assert all(Decimal("0") < part <= allowed[charge_id] for charge_id, part in parts)
    assert sum((p for _, p in parts), Decimal("0")) == min(amount, sum(allowed.values(), Decimal("0")))
    assert [c for c, _ in parts] == [c for c, a in charges if a > 0][: len(parts)]
