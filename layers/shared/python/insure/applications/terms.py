"""The terms of an offer as a person reads them: plain prose with the figures of this offer filled in (who is
insured, what, for how much, the premium, when the offer lapses), dates and times in words. The text is what
`terms_sha256` covers, so it is rendered once, when the offer is made, and stored; it never changes afterwards.
The items and the policy's conditions read as on the policy document (`insure.policies.wording`)."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from typing import Any

TERMS_VERSION = "2026-12.3"
WIDTH = 100

PRODUCT_NAMES = {
    "computer": "computer equipment insurance",
    "property": "property insurance",
    "casualty": "business liability insurance",
    "disability": "disability income insurance",
    "accidental_death": "accidental death insurance",
    "major_medical": "major medical insurance",
    "bundle": "a bundle of insurance coverages",
}


def money(amount: Any, currency: str = "USD") -> str:
    """`$1,500.00` (USD) or `1,500.00 EUR`."""
    value = Decimal(str(amount))
    return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}"


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def day_in_words(value: str | dt.date) -> str:
    """`1 December 2026`, from a date or an RFC 3339 timestamp."""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def moment_in_words(value: str) -> str:
    """`05:15 UTC on 1 December 2026`, from an RFC 3339 timestamp."""
    from insure.timestamps import parse

    moment = parse(value).astimezone(dt.UTC)
    return f"{moment:%H:%M} UTC on {day_in_words(moment.date())}"


def state_in_words(code: Any) -> str:
    from insure.policies.wording import state_name

    return state_name(str(code or ""))


def describe_item(item: dict[str, Any]) -> str:
    """One covered item in a sentence, with its insured amount."""
    from insure.policies.wording import in_words

    coverage = item.get("coverage", "")
    value = money(item.get("value", "0"))
    if coverage == "computer":
        name = " ".join(str(p) for p in (item.get("kind"), item.get("brand"), item.get("model")) if p)
        text = _article(f"{name} computer")
        if item.get("purchase_year"):
            text += f" bought in {item['purchase_year']}"
        accessories = item.get("accessories") or []
        if accessories:
            text += " with its " + in_words("computer", "accessories", accessories)
        return f"{text}, insured for {value} at replacement value"
    if coverage == "property":
        occupancy = _words(item.get("occupancy")).replace(" ", "-")
        text = _article(f"{_words(item.get('construction'))} {occupancy} building")
        text += f" built in {item.get('year_built')}"
        address = item.get("address") or {}
        if address:
            text += f" at {address.get('line1')}, {address.get('city')}, {address.get('state')} {address.get('zip')}"
        return f"{text}, insured for {value} at replacement cost"
    if coverage == "casualty":
        industry = in_words("casualty", "sic_code", item.get("sic_code"))
        return f"liability for the business's operations ({industry}), up to {value} per claim"
    if coverage == "disability":
        return (
            f"a monthly benefit of {value} if illness or injury stops you working, paid after "
            f"{item.get('elimination_days')} days for up to {item.get('benefit_period_years')} years"
        )
    if coverage == "accidental_death":
        return f"a benefit of {value} if the insured dies of an accident"
    if coverage == "major_medical":
        dependents = int(item.get("dependents") or 0)
        who = "the insured" + (f" and {dependents} dependent{'s' if dependents > 1 else ''}" if dependents else "")
        return (
            f"hospital and medical expenses of {who}, up to {value} a year, "
            f"after a deductible of {money(item.get('deductible', 0))}"
        )
    return f"{_words(coverage)}, insured for {value}"


def insured_name(applicant: dict[str, Any]) -> str:
    if applicant.get("company_name"):
        return str(applicant["company_name"])
    return " ".join(str(applicant.get(k, "")) for k in ("first_name", "last_name")).strip()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def numbered_items(items: list[dict[str, Any]]) -> str:
    """The covered items, one numbered sentence each (`describe_item`)."""
    return "\n".join(
        textwrap.fill(f"{n}. {_sentence(describe_item(item))}", width=WIDTH, subsequent_indent="   ")
        for n, item in enumerate(items, start=1)
    )


def paragraph(text: str) -> str:
    return textwrap.fill(text, width=WIDTH)


PLAN_WORDS = {"annual": "in full", "quarterly": "quarterly", "monthly": "monthly"}


def accepting(what: str) -> str:
    """How an offer is accepted (`what`: "it", "this amendment")."""
    return (
        f"To accept {what}, confirm these terms; accepting them is your electronic signature, and the SHA-256 "
        "digest of this document is recorded as the terms you accepted."
    )


def _plans_paragraph(total: str, plans: list[dict[str, Any]] | None, grace_days: int) -> str:
    """How the premium may be paid: in full, or by the plans offered (each with its fee and installments)."""
    others = [p for p in plans or [] if p.get("plan") != "annual"]
    if not others:
        return (
            f"The annual premium is {total}. It is due in full when the policy is issued, and the cover does not "
            "begin until it has been paid. Cover then runs for one year from the effective date shown on the policy."
        )
    ways = []
    for plan in others:
        schedule = plan["schedule"]
        first, rest = schedule[0]["amount"], schedule[1:]
        later = f", then {len(rest)} of {money(rest[-1]['amount']['amount'])}" if rest else ""
        ways.append(
            f"{PLAN_WORDS[plan['plan']]} in {plan['installments']} installments (a fee of "
            f"{money(plan['fee']['amount'])}, {money(plan['total']['amount'])} in all: {money(first['amount'])} "
            f"first{later}, each on the same day of the month as the start of the term)"
        )
    return (
        f"The annual premium is {total}. You may pay it in full when the policy is issued, or "
        + "; or ".join(ways)
        + ". The first installment is due when the policy is issued, and the cover does not begin until it has "
        "been paid; later installments are charged to the same card on their due dates. An installment still "
        f"unpaid {grace_days} days after its due date ends the cover (the policy lapses) from that day. Cover runs "
        "for one year from the effective date shown on the policy."
    )


def render_terms(
    application_id: str,
    application: dict[str, Any],
    premium: dict[str, str],
    *,
    expires_at: str,
    payment_plans: list[dict[str, Any]] | None = None,
    grace_days: int = 10,
    minimum_premium: Decimal = Decimal("0.00"),
) -> str:
    """The terms document of an offer, as plain text; `minimum_premium` is the rulebook's (kept on cancellation)."""
    applicant = application.get("applicant") or {}
    items = application.get("items") or []
    product = PRODUCT_NAMES.get(str(application.get("product")), _words(application.get("product")))
    total = money(premium["amount"], premium.get("currency", "USD"))
    insured = insured_name(applicant)
    covered = numbered_items(items)
    sums = sum((Decimal(str(item.get("value", "0"))) for item in items), Decimal(0))
    paragraphs = [
        f"Terms of your insurance offer\nReference number of your application: {application_id}\n"
        f"Terms version: {TERMS_VERSION}",
        paragraph(
            f"We offer {insured} {product} in the state of {state_in_words(application.get('state'))}, on the "
            "answers given in "
            f"the application. The policy covers the {len(items)} item{'s' if len(items) != 1 else ''} below, "
            f"for a total insured amount of {money(sums)}:"
        ),
        covered,
        paragraph(_plans_paragraph(total, payment_plans, grace_days)),
        paragraph(f"This offer is open until {moment_in_words(expires_at)}. {accepting('it')}"),
        paragraph(
            "The answers in the application are the basis of this insurance. If an answer that mattered to this "
            "offer was untrue, the policy may be void. Tell us promptly, and no later than 30 days after it "
            "happens, of any loss you want to claim for."
        ),
        *conditions_paragraphs(minimum_premium, payment_plans),
    ]
    return "\n\n".join(paragraphs) + "\n"


def conditions_paragraphs(minimum_premium: Decimal, payment_plans: list[dict[str, Any]] | None) -> list[str]:
    """The policy's conditions on changes, cancellation, refunds (and installments), in the words of the policy
    document (`insure.policies.wording.terms_conditions`, from `data/wording/common.json`), one paragraph each."""
    from insure.policies.wording import terms_conditions

    plans = [str(p.get("plan")) for p in payment_plans or []] or ["annual"]
    return [paragraph(f"{title}. {text}") for title, text in terms_conditions(minimum_premium, plans)]
