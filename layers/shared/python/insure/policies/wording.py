"""The words of a policy document: the issuer, each coverage's wording (perils, exclusions, conditions, how its
items, limits and deductibles read) and the general conditions, kept as data in `data/wording/` beside the
rulebooks; and the functions that turn a policy's stored values into what a person reads (money, dates, states,
items, the changes of each version). Nothing here draws: `insure.policies.document` lays the words out."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from insure.policies.models import PolicyVersion

DEFAULT_PLAN = "annual"


@cache
def wording(name: str) -> dict[str, Any]:
    """`data/wording/<name>.json`: `issuer`, `common`, or a coverage (`computer`, ...) or `bundle`."""
    from insure.data_files import data_dir

    loaded: dict[str, Any] = json.loads((data_dir("wording") / f"{name}.json").read_text())
    return loaded


def money(amount: Any, currency: str = "USD") -> str:
    """`$1,500.00` (USD) or `1,500.00 EUR`."""
    value = Decimal(str(amount))
    return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}"


def long_date(value: str | dt.date) -> str:
    """`1 December 2026`, from a date or an RFC 3339 timestamp: the project's one format for a day in words (the
    offer terms' `day_in_words`, reused so the document, the e-mails and the terms read alike)."""
    from insure.applications.terms import day_in_words

    return day_in_words(value)


def short_date(value: str | dt.date) -> str:
    """`1 Dec 2026`, where a table column is narrow (the payment schedule)."""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%b %Y}"


def state_name(code: str) -> str:
    return str(wording("common")["states"].get(code.upper(), code))


def listed(things: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(things) <= 1:
        return "".join(things)
    return ", ".join(things[:-1]) + " and " + things[-1]


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def address_lines(address: dict[str, Any] | None) -> list[str]:
    """A postal address as it is written on an envelope (no lines when there is none)."""
    if not address:
        return []
    lines = [str(address[k]) for k in ("line1", "line2") if address.get(k)]
    place = f"{address.get('city', '')}, {address.get('state', '')} {address.get('zip', '')}".strip(" ,")
    return [*lines, place] if place else lines


def coverage_of(policy: PolicyVersion, item: dict[str, Any]) -> str:
    return str(item.get("coverage") or policy.product)


def policy_title(product: str) -> str:
    return str(wording(product)["policy_title"])


def coverages(policy: PolicyVersion) -> list[str]:
    """The coverages of the policy's items, in order of first appearance."""
    return list(dict.fromkeys(coverage_of(policy, item) for item in policy.items))


# --- items -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordedItem:
    """A covered item as the schedule of coverages shows it."""

    coverage: str
    part: str  # the coverage part's title
    title: str
    limit: str
    deductible: str
    premises: str | None
    details: list[tuple[str, str]]


def industry(sic_code: str) -> str:
    """A Standard Industrial Classification code in words (`data/wording/industries.json`): `3571` reads
    `electronic computer manufacturing`; a code not in the table reads by its major group, with the code."""
    table = wording("industries")
    code = str(sic_code)
    if code in table["codes"]:
        return str(table["codes"][code])
    group = table["major_groups"].get(code[:2])
    return str(table["in_group" if group else "unknown"].format(group=group, code=code))


def _one(spec: dict[str, Any], field: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in spec.get("money", ()):
        return money(value)
    if field in spec.get("industries", ()):
        return industry(value)
    named: dict[str, str] = spec.get("values", {}).get(field, {})
    return named.get(str(value), str(value).replace("_", " "))


def _word(spec: dict[str, Any], field: str, value: Any) -> str | None:
    """A field's value in words, or None when the item has none."""
    if value is None or value in ("", []) or isinstance(value, dict):
        return None
    if isinstance(value, list):
        return listed([_one(spec, field, v) for v in value])
    return _one(spec, field, value)


def in_words(coverage: str, field: str, value: Any) -> str:
    """One field of a `coverage` item in words, as the schedule of coverages shows it (`ups`: uninterruptible
    power supply; a SIC code: its industry; a list: "a, b and c")."""
    return _word(wording(coverage)["item"], field, value) or ""


def _fill(template: str, words: dict[str, str]) -> str:
    return re.sub(r"\s+", " ", template.format_map(defaultdict(str, words))).strip(" ,")


def word_item(policy: PolicyVersion, item: dict[str, Any], mailing: dict[str, Any] | None) -> WordedItem:
    coverage = coverage_of(policy, item)
    text = wording(coverage)
    spec = text["item"]
    words = {k: w for k, v in item.items() if (w := _word(spec, k, v)) is not None}
    details: list[tuple[str, str]] = []
    for detail in spec["details"]:
        field = detail["field"]
        if field in words:
            details.append((detail["label"], _fill(detail["text"], words) if "text" in detail else words[field]))
        elif "default" in detail:
            details.append((detail["label"], detail["default"]))
    premises = None
    if spec.get("premises"):
        at = item.get("address") if isinstance(item.get("address"), dict) else mailing
        premises = ", ".join(address_lines(at)) or "the named insured's mailing address"
    parts = [_fill(part, words) for part in spec["title"]]
    return WordedItem(
        coverage=coverage,
        part=sentence(text["title"]),
        title=sentence(", ".join(p for p in parts if p)),
        limit=_fill(spec["limit"], words),
        deductible=_fill(spec["deductible"], words),
        premises=premises,
        details=[(label, sentence(value)) for label, value in details],
    )


def field_label(coverage: str, field: str) -> str:
    spec = wording(coverage)["item"]
    label = spec.get("labels", {}).get(field)
    if label is None:
        label = next((d["label"] for d in spec["details"] if d["field"] == field), field.replace("_", " "))
    return str(label).lower()


# --- versions ---------------------------------------------------------------------------------------------------


def _items_by_id(versions: list[PolicyVersion]) -> dict[str, tuple[PolicyVersion, dict[str, Any]]]:
    known: dict[str, tuple[PolicyVersion, dict[str, Any]]] = {}
    for version in versions:
        for item in version.items:
            if item.get("item_id"):
                known[str(item["item_id"])] = (version, item)
    return known


def _item_name(known: dict[str, tuple[PolicyVersion, dict[str, Any]]], item_id: str | None) -> str:
    found = known.get(item_id or "")
    if found is None:
        return "a covered item"
    version, item = found
    return word_item(version, item, None).title


def describe_changes(version: PolicyVersion, versions: list[PolicyVersion]) -> str:
    """What `version` changed, in a sentence or two (`versions`: every version up to and including it)."""
    common = wording("common")
    earlier = [v for v in versions if v.version < version.version]
    known = _items_by_id([*earlier, version])
    who = common["made_by"].get(version.made_by, "")
    if version.cancellation is not None:
        cancelled = version.cancellation
        reason = common["cancellation_reasons"].get(cancelled.reason, cancelled.reason.replace("_", " "))
        when = f"Cancelled from {long_date(cancelled.effective_date)}"
        return f"{when}{' ' + who if who else ''} ({reason}); premium refunded: {money(cancelled.refund.amount)}."
    kinds = {change.kind for change in version.changes}
    if "renewed" in kinds:
        return f"Renewed for the policy period {long_date(version.effective_date)} to {long_date(version.expiry_date)}."
    ended = {c.after for c in version.changes if c.kind == "status"} | {version.status}
    if "lapsed" in ended:
        return f"Lapsed from {long_date(version.in_force_from)}: an installment was not paid within the grace period."
    if "expired" in ended:
        return f"Expired at the end of the policy period on {long_date(version.in_force_from)}, not renewed."
    if version.version == 1 or not version.changes or version.changes[0].kind == "issued":
        return "Policy issued."
    said: list[str] = []
    for change in version.changes:
        name = _item_name(known, change.item_id)
        if change.kind == "item_added":
            said.append(f"added {name}")
        elif change.kind == "item_removed":
            said.append(f"removed {name}")
        elif change.kind == "item_changed":
            found = known.get(change.item_id or "")
            coverage = coverage_of(*found) if found else version.product
            said.append(f"changed the {listed([field_label(coverage, f) for f in change.fields])} of {name}")
        elif change.kind == "premium" and change.before and change.after:
            said.append(f"annual premium from {money(change.before)} to {money(change.after)}")
    return f"Amended{' ' + who if who else ''}: {'; '.join(said) or 'no change to the covered items'}."


# --- premium and conditions -------------------------------------------------------------------------------------


def payment_plan(policy: PolicyVersion) -> tuple[str, str]:
    """(name, how it is paid) of the policy's payment plan (annual unless the version says otherwise); the first
    payment of a renewed term was charged when the policy was renewed, not when it was issued."""
    common = wording("common")
    plan = plan_of(policy)
    known = common["payment_plans"].get(plan)
    if known is None:
        return sentence(plan.replace("_", " ")), "as shown in the billing schedule"
    first = common["first_charge"]["renewed" if term_of(policy) > 1 else "issued"]
    return str(known["label"]), str(known["text"]).format(first=first)


def minimum_premium_clause(minimum: Decimal) -> str:
    common = wording("common")
    return common["minimum_premium"].format(amount=money(minimum)) if minimum > 0 else common["no_minimum_premium"]


def general_conditions(
    minimum: Decimal, plan: str = DEFAULT_PLAN, *, tagged: bool = True, untagged: bool = False
) -> list[tuple[str, str]]:
    """(title, text) of each general condition that applies to a policy on `plan` (the installments condition
    only to plans paid in installments), the refund clause with the rulebook's minimum premium. A condition for
    `tagged` items (reporting a loss to covered property by its tag) applies when the policy has items with a live
    risk identification tag, one for `untagged` items (reporting a claim) when it has items without."""
    kinds = {"tagged"} if tagged else set()
    kinds |= {"untagged"} if untagged else set()
    return [
        (c["title"], _condition_text(c, minimum))
        for c in wording("common")["conditions"]
        if plan in c.get("plans", [plan]) and c.get("items", "every") in kinds | {"every"}
    ]


def _condition_text(condition: dict[str, Any], minimum: Decimal) -> str:
    common = wording("common")
    return (
        str(condition["text"])
        .replace("{minimum_premium}", minimum_premium_clause(minimum))
        .replace("{plan_fees}", common["plan_fees"])
    )


def terms_conditions(minimum: Decimal, plans: list[str]) -> list[tuple[str, str]]:
    """(title, text) of the general conditions an offer's terms repeat word for word (`in_terms` in
    `data/wording/common.json`): changes, cancellation, the refund with the rulebook's minimum premium and the plan
    fees, and installments when one of `plans` is paid in installments. The same words as the policy document, so
    what the person accepts (and hashes) is what the policy says and what the cancellation code does."""
    return [
        (c["title"], _condition_text(c, minimum))
        for c in wording("common")["conditions"]
        if c.get("in_terms") and (not c.get("plans") or any(p in c["plans"] for p in plans))
    ]


def plan_of(policy: PolicyVersion) -> str:
    """The payment plan a version is paid on (versions that do not say are annual)."""
    return str(getattr(policy, "payment_plan", None) or DEFAULT_PLAN)


def term_of(policy: PolicyVersion) -> int:
    """The policy term a version belongs to (1, then 2 after a renewal, ...; versions that do not say: 1)."""
    return int(getattr(policy, "term", None) or 1)
