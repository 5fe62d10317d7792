"""Pro-rata arithmetic of a policy term, to the cent. Pure functions, no I/O.

A term runs from its effective date (included) to its expiry date (excluded). The premium is paid in full at
issuance; a change effective on day d is priced as the difference of the annual premiums times the share of the
term left from d, so what the customer pays in total equals the sum over the versions of each version's annual
premium times the share of the term it was in force (within half a cent per change, from rounding). A cancellation
refunds what was paid less what was earned up to its effective date, never less than the rulebook's minimum
premium kept, never more than was paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def to_cents(value: Fraction | Decimal) -> Decimal:
    """`value` rounded half-up to the cent."""
    exact = Fraction(value) if isinstance(value, Decimal) else value
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Term:
    start: dt.date
    end: dt.date  # the expiry date: the first day no longer covered

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def clamp(self, day: dt.date) -> dt.date:
        return min(max(day, self.start), self.end)

    def share(self, begin: dt.date, until: dt.date) -> Fraction:
        """The share of the term in [begin, until), exactly."""
        days = (self.clamp(until) - self.clamp(begin)).days
        return Fraction(max(0, days), self.days)

    def remaining(self, day: dt.date) -> Fraction:
        return self.share(day, self.end)


@dataclass(frozen=True)
class Period:
    """A version of the policy: its annual premium, in force from `start` until the next version's start."""

    annual: Decimal
    start: dt.date


def premium_difference(term: Term, old_annual: Decimal, new_annual: Decimal, effective: dt.date) -> Decimal:
    """What a change from `old_annual` to `new_annual` effective on `effective` costs (negative: is refunded)."""
    return to_cents((Fraction(new_annual) - Fraction(old_annual)) * term.remaining(effective))


def earned(term: Term, periods: Sequence[Period], until: dt.date) -> Fraction:
    """The premium earned from the start of the term to `until` (excluded), exactly: each version's annual premium
    times the share of the term it was in force before `until`."""
    total = Fraction(0)
    ordered = sorted(periods, key=lambda p: p.start)
    for index, period in enumerate(ordered):
        ends = ordered[index + 1].start if index + 1 < len(ordered) else term.end
        total += Fraction(period.annual) * term.share(period.start, min(ends, until))
    return total


def cancellation_refund(
    term: Term, periods: Sequence[Period], paid: Decimal, effective: dt.date, minimum_premium: Decimal
) -> Decimal:
    """The refund of a cancellation effective on `effective`: what was paid less what is kept (the premium earned
    until then, at least the minimum premium), never negative, never more than was paid."""
    kept = max(earned(term, periods, effective), Fraction(minimum_premium))
    refund = to_cents(Fraction(paid) - kept)
    return min(max(refund, Decimal("0.00")), paid.quantize(CENT))


def allocate_refund(refundable: Sequence[tuple[str, Decimal]], amount: Decimal) -> list[tuple[str, Decimal]]:
    """Split a refund of `amount` over charges `(charge_id, still refundable)`, the first charge first (the
    original card); the parts add up to `amount`, or to all that is refundable when that is less."""
    parts: list[tuple[str, Decimal]] = []
    left = amount
    for charge_id, available in refundable:
        if left <= 0:
            break
        part = min(left, available)
        if part > 0:
            parts.append((charge_id, part))
            left -= part
    return parts


# --- plan fees and the term in force ------------------------------------------------------------------------------
# A plan's installments add up to the premium plus the plan fee. The fee is not premium: it is earned as each
# installment is charged and never refunded, so a refund (an amendment's decrease, a cancellation) counts only the
# premium part of what was paid, and only what was paid for the term in force (a renewed policy's earlier terms
# are settled and closed).


def premium_parts(amounts: Sequence[Decimal], premium: Decimal) -> list[Decimal]:
    """The premium in each installment of a schedule whose `amounts` add up to `premium` plus the plan's fee: the
    premium paid through installment k is `premium` times the share of the total paid through k, half-up to the
    cent, so the parts add up to `premium` exactly and each installment's fee is its amount less its part."""
    total = sum(amounts, Decimal(0))
    if total <= 0:
        return [Decimal("0.00") for _ in amounts]
    parts: list[Decimal] = []
    through, before = Decimal(0), Decimal("0.00")
    for amount in amounts:
        through += amount
        cumulative = to_cents(Fraction(premium) * Fraction(through) / Fraction(total))
        parts.append(cumulative - before)
        before = cumulative
    return parts


@dataclass(frozen=True)
class PaidCharge:
    """A charge on the policy as refunds see it: its premium part (the rest was plan fee), what was refunded from
    it already, and the term it paid for."""

    charge_id: str
    premium: Decimal
    term: int
    refunded: Decimal = Decimal("0.00")

    @property
    def refundable(self) -> Decimal:
        return max(self.premium - self.refunded, Decimal("0.00"))


def premium_paid(charges: Sequence[PaidCharge], term: int) -> Decimal:
    """The premium paid for `term`, net of what was refunded (plan fees and other terms left out)."""
    return sum((c.premium - c.refunded for c in charges if c.term == term), Decimal("0.00"))


def refundable_charges(charges: Sequence[PaidCharge], term: int) -> list[tuple[str, Decimal]]:
    """`(charge id, premium still refundable)` of each charge that paid for `term`, in the order paid (the first
    card first): what `allocate_refund` may split a refund over."""
    return [(c.charge_id, c.refundable) for c in charges if c.term == term and c.refundable > 0]


def decrease_settlement(
    decrease: Decimal, unpaid_premium: Sequence[Decimal], refundable: Decimal
) -> tuple[list[Decimal], Decimal]:
    """How a premium decrease of an amendment is settled: first it lowers the premium of the term's installments
    not yet charged (`unpaid_premium`, in due order), the last first, each down to its plan fee; what is left is
    refunded, never more than the premium `refundable` for the term. Returns (each installment's reduction, in the
    same order, the refund)."""
    left = max(decrease, Decimal("0.00"))
    reductions = [Decimal("0.00") for _ in unpaid_premium]
    for index in reversed(range(len(unpaid_premium))):
        cut = min(left, max(unpaid_premium[index], Decimal("0.00")))
        reductions[index] = cut
        left -= cut
    return reductions, min(left, max(refundable, Decimal("0.00")))
