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
