"""Payment plans as arithmetic: a plan's fee and its schedule of installments (amounts and due dates), summing to
the premium plus the fee to the cent. Pure functions over Decimal and dates; no I/O, no pydantic.

The fee is `factor` × premium (rounded half-up to the cent) plus `installment_fee` per installment. The total is
split into equal installments in whole cents; the cents that do not divide evenly go to the first installment
(charged at bind), so no later installment is ever larger than the first. Installment k (1-based) is due k-1
periods after the start of the term (a period is 12, 3 or 1 months), on the same day of the month, or the last
day of a shorter month (a term from 31 January is due on 28 or 29 February, then 31 March)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

CENT = Decimal("0.01")
MONTHS_PER_PERIOD = {1: 12, 4: 3, 12: 1}


class PlanRule(Protocol):
    """What a rulebook says about one plan (`insure.products.rulebooks.PaymentPlanRule`)."""

    @property
    def plan(self) -> str: ...

    @property
    def factor(self) -> Decimal: ...

    @property
    def installment_fee(self) -> Decimal: ...

    @property
    def installments(self) -> int: ...


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class PlanSchedule:
    plan: str
    premium: Decimal
    fee: Decimal
    installments: tuple[Installment, ...]

    @property
    def total(self) -> Decimal:
        return self.premium + self.fee

    def installment(self, number: int) -> Installment:
        return self.installments[number - 1]

    def as_json(self) -> dict[str, Any]:
        """The plan as offers, quotes and policies carry it (`insure.billing.models.PaymentPlanView`)."""
        return {
            "plan": self.plan,
            "installments": len(self.installments),
            "fee": _money(self.fee),
            "total": _money(self.total),
            "schedule": [
                {"installment": i.number, "due_date": i.due_date.isoformat(), "amount": _money(i.amount)}
                for i in self.installments
            ],
        }


def _money(value: Decimal) -> dict[str, str]:
    return {"amount": str(value.quantize(CENT)), "currency": "USD"}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` calendar months on, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fee_of(premium: Decimal, rule: PlanRule) -> Decimal:
    loading = (premium * rule.factor).quantize(CENT, rounding=ROUND_HALF_UP)
    return loading + rule.installment_fee.quantize(CENT, rounding=ROUND_HALF_UP) * rule.installments


def schedule(premium: Decimal, rule: PlanRule, start: dt.date) -> PlanSchedule:
    """The schedule of `rule`'s plan for an annual `premium` over a term starting on `start`."""
    count = rule.installments
    if count not in MONTHS_PER_PERIOD:
        raise ValueError(f"A plan of {count} installments is not a plan the platform knows.")
    premium = premium.quantize(CENT, rounding=ROUND_HALF_UP)
    fee = fee_of(premium, rule)
    total = premium + fee
    each = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    first = total - each * (count - 1)
    months = MONTHS_PER_PERIOD[count]
    installments = tuple(
        Installment(number, add_months(start, (number - 1) * months), first if number == 1 else each)
        for number in range(1, count + 1)
    )
    return PlanSchedule(rule.plan, premium, fee, installments)


def schedules(premium: Decimal, rules: Iterable[PlanRule], start: dt.date) -> list[PlanSchedule]:
    """Every plan of `rules` for `premium` over a term starting on `start`, in the rulebook's order; a plan whose
    installments would be under a cent (a premium of a few cents) is not offered."""
    found = [schedule(premium, rule, start) for rule in rules]
    return [s for s in found if all(i.amount > 0 for i in s.installments)]


def plans_json(premium: Decimal, rules: Iterable[PlanRule], start: dt.date) -> list[dict[str, Any]]:
    return [s.as_json() for s in schedules(premium, rules, start)]


def from_json(shown: dict[str, Any]) -> PlanSchedule:
    """A plan as carried in an offer or a policy back as a schedule."""
    return PlanSchedule(
        plan=str(shown["plan"]),
        premium=Decimal(shown["total"]["amount"]) - Decimal(shown["fee"]["amount"]),
        fee=Decimal(shown["fee"]["amount"]),
        installments=tuple(
            Installment(int(i["installment"]), dt.date.fromisoformat(i["due_date"]), Decimal(i["amount"]["amount"]))
            for i in shown["schedule"]
        ),
    )


def redated(shown: dict[str, Any], start: dt.date) -> dict[str, Any]:
    """A plan as shown (an offer's) with its due dates moved to a term starting on `start`, amounts unchanged."""
    months = MONTHS_PER_PERIOD[len(shown["schedule"])]
    return {
        **shown,
        "schedule": [
            {**entry, "due_date": add_months(start, (int(entry["installment"]) - 1) * months).isoformat()}
            for entry in shown["schedule"]
        ],
    }
