"""The underwriting engine: a rulebook compiled once into tuples of closures (`insure.underwriting.compiled`, the
identity lists in `insure.underwriting.identities`), then applied to requests here: intake, pricing, decisions.

Per item: multiplier = 1 + Σ rate of the applicable rate factors; premium = multiplier × base rate × value,
rounded half-up to the cent; the policy premium is the sum of the items' premiums. Any applicable bar, a match
on the frequent-claimant or delinquent-debtor list, or a multiplier ≤ 0 declines, and the decision lists every
rule that applied. Nothing here touches AWS: rulebooks come in compiled, requests come in validated.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from insure.errors import FieldError, RuleViolation
from insure.products.models import (
    AGE_RATED,
    ApplicationInput,
    BusinessApplicant,
    ItemModel,
    PersonalApplicant,
    QuoteRequest,
)
from insure.types import CENT, Money
from insure.underwriting.compiled import (
    MULTIPLIER_PLACES,
    MULTIPLIER_RULE,
    ONE,
    ZERO,
    Books,
    CompiledRule,
    CompiledRulebook,
    Match,
    books_for,
    build_rule_set,
    compile_rulebook,
    merge,
    multiplier_of,
)
from insure.underwriting.facts import item_facts, policy_facts
from insure.underwriting.identities import IdentityKey, Listing, identity_keys
from insure.underwriting.models import BreakdownLine, Decision, QuoteResult, Reason

__all__ = [
    "MULTIPLIER_RULE",
    "Books",
    "CompiledRule",
    "CompiledRulebook",
    "books_for",
    "build_rule_set",
    "check_intake",
    "compile_rulebook",
    "decide",
    "decide_on_facts",
    "evaluate",
    "identity_keys",
    "price",
]

# --- intake ---------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _inside(title: str) -> str:
    """A product's title inside a sentence: "for computer equipment" (titles are common nouns)."""
    return title[:1].lower() + title[1:]


def _state(code: str) -> str:
    from insure.policies.wording import state_name  # only on a refusal: underwriting itself reads no wording

    return state_name(code)


def _states_in_words(codes: Iterable[str]) -> str:
    names = sorted(_state(code) for code in codes)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def intake_errors(books: Books, request: ApplicationInput | QuoteRequest, today: datetime.date) -> list[FieldError]:
    """What the person must correct before the request can be underwritten: states, limits, who may apply."""
    errors: list[FieldError] = []
    product = books.product
    if request.state not in product.approved_states:
        sold_in = _states_in_words(product.approved_states)
        errors.append(
            FieldError("state", f"{product.title} is not sold in {_state(request.state)}; it is sold in {sold_in}.")
        )
    if request.applicant_type not in product.applicant_types:
        errors.append(FieldError("applicant_type", f"{product.title} is not offered to {request.applicant_type}s."))
    if isinstance(request, ApplicationInput):
        expected = PersonalApplicant if request.applicant_type == "personal" else BusinessApplicant
        if not isinstance(request.applicant, expected):
            names = "first_name and last_name" if expected is PersonalApplicant else "company_name and contact_name"
            errors.append(FieldError("applicant", f"A {request.applicant_type} applicant gives {names}."))
        born = request.date_of_birth
        if born is not None and born > today:
            errors.append(FieldError("applicant.date_of_birth", "The date of birth is in the future."))
    else:
        if request.date_of_birth is None and AGE_RATED & set(request.coverages()):
            errors.append(FieldError("date_of_birth", "The premium depends on age: give the date of birth."))
        if request.occupation is None and "disability" in request.coverages():
            errors.append(FieldError("occupation", "Disability premiums depend on the occupation: give it."))
        if request.date_of_birth is not None and request.date_of_birth > today:
            errors.append(FieldError("date_of_birth", "The date of birth is in the future."))

    totals: dict[str, Decimal] = {}
    total = ZERO
    for index, item in enumerate(request.items):
        where = f"items[{index}]"
        if request.product not in ("bundle", item.coverage):
            errors.append(FieldError(f"{where}.coverage", f"A {request.product} policy insures {request.product}."))
            continue
        book = books.coverages.get(item.coverage)
        if book is None:
            errors.append(FieldError(f"{where}.coverage", f"{item.coverage} cannot be insured here."))
            continue
        if book is not product:
            if request.state not in book.approved_states:
                errors.append(FieldError(f"{where}.coverage", f"{book.title} is not sold in {_state(request.state)}."))
            if request.applicant_type not in book.applicant_types:
                errors.append(
                    FieldError(f"{where}.coverage", f"{book.title} is not offered to {request.applicant_type}s.")
                )
        if item.value <= ZERO:
            errors.append(FieldError(f"{where}.value", "The insured value must be more than zero."))
        elif item.value > book.max_item_value:
            errors.append(
                FieldError(
                    f"{where}.value",
                    f"{_money(item.value)} is over the {_money(book.max_item_value)} limit per item"
                    f" for {_inside(book.title)}.",
                )
            )
            continue
        totals[item.coverage] = totals.get(item.coverage, ZERO) + item.value
        total += item.value
        if totals[item.coverage] > book.max_insured_value:
            errors.append(
                FieldError(
                    f"{where}.value",
                    f"The items add up to {_money(totals[item.coverage])}, over the "
                    f"{_money(book.max_insured_value)} limit per insured for {_inside(book.title)}.",
                )
            )
            totals[item.coverage] -= item.value
        elif book is not product and total > product.max_insured_value:
            errors.append(
                FieldError(
                    f"{where}.value",
                    f"The items add up to {_money(total)}, over the {_money(product.max_insured_value)} limit "
                    f"per insured for {_inside(product.title)}.",
                )
            )
            total -= item.value
    return errors


def check_intake(books: Books, request: ApplicationInput | QuoteRequest, today: datetime.date) -> None:
    errors = intake_errors(books, request, today)
    if errors:
        raise RuleViolation("Some answers must be corrected before underwriting.", errors=errors)


# --- pricing and decisions ------------------------------------------------------------------------------------


def _label(item: ItemModel) -> str:
    coverage = item.coverage
    if coverage == "computer":
        return " ".join(p for p in (item.kind, item.brand, item.model) if p)  # type: ignore[union-attr]
    if coverage == "property":
        construction = item.construction.replace("_", " ")  # type: ignore[union-attr]
        return f"{construction} {item.occupancy.replace('_', ' ')} building"  # type: ignore[union-attr]
    if coverage == "casualty":
        return f"liability, SIC {item.sic_code}"  # type: ignore[union-attr]
    return coverage.replace("_", " ")


@dataclass(slots=True)
class ItemVerdict:
    """What the rules found for one item."""

    index: int
    coverage: str
    value: Decimal
    base_rate: Decimal
    multiplier: Decimal
    exact_premium: Decimal
    premium: Decimal
    factors: list[CompiledRule]
    bars: list[CompiledRule]


@dataclass(slots=True)
class Verdict:
    """The engine's answer in plain values (the API's `Decision` is built from it)."""

    approved: bool
    premium: Decimal | None
    multiplier: Decimal
    items: list[ItemVerdict]
    listed: list[tuple[str, str, str]]
    """(kind, rule id, sentence) for each list the applicant is on"""
    intake: list[FieldError]

    def outcome(self) -> tuple[Any, ...]:
        """What was decided, in plain comparable values (rule ids rather than compiled rules)."""
        lines = tuple(
            (line.index, line.multiplier, line.premium, tuple(sorted(r.rule_id for r in line.factors + line.bars)))
            for line in self.items
        )
        return self.approved, self.premium, self.multiplier, lines, tuple(self.listed), tuple(self.intake)

    @property
    def nonpositive(self) -> list[int]:
        return [line.index for line in self.items if line.multiplier <= ZERO]


def _price_items(books: Books, request: ApplicationInput | QuoteRequest, today: datetime.date) -> list[ItemVerdict]:
    policy = policy_facts(request, today)
    bundle = books.product if books.product.product == "bundle" else None
    bundle_policy = bundle.policy_rules.matching(policy) if bundle is not None else None
    policy_matches: dict[str, Match] = {}
    lines = []
    for index, item in enumerate(request.items):
        coverage = item.coverage
        book = books.coverages[coverage]
        facts = item_facts(item, policy, today)
        found = policy_matches.get(coverage)
        if found is None:
            found = policy_matches[coverage] = book.policy_rules.matching(policy)
        rate, factors, bars = merge(found, book.item_rules.matching(facts))
        if bundle is not None and bundle_policy is not None:
            rate, factors, bars = merge((rate, factors, bars), merge(bundle_policy, bundle.item_rules.matching(facts)))
        multiplier = multiplier_of(rate)
        base = book.base_rate or ZERO
        value = item.value
        exact = multiplier * base * value
        lines.append(
            ItemVerdict(
                index,
                coverage,
                value,
                base,
                multiplier,
                exact,
                exact.quantize(CENT, rounding=ROUND_HALF_UP),
                factors,
                bars,
            )
        )
    return lines


def decide_on_facts(
    book: CompiledRulebook,
    items: Sequence[tuple[Mapping[str, Any], Decimal]],
    identities: Sequence[IdentityKey] = (),
) -> tuple[bool, Decimal]:
    """The rulebook's decision on prepared facts, as rules engines are measured: the identity lists, then for each
    (facts, insured value) every bar and rate factor, the multiplier and the rounded premium; approved when the
    applicant is on no list, no bar applies and every multiplier is positive. Returns (approved, premium)."""
    approved = book.identities.keys().isdisjoint(identities)
    premium = ZERO
    base = book.base_rate or ZERO
    if not items:
        return approved, premium
    policy_rate, _, policy_bars = book.policy_rules.matching(items[0][0])
    if policy_bars:
        approved = False
    for facts, value in items:
        rate, _, bars = book.item_rules.matching(facts)
        multiplier = multiplier_of(policy_rate + rate)
        if bars or multiplier <= ZERO:
            approved = False
        premium += (multiplier * base * value).quantize(CENT, rounding=ROUND_HALF_UP)
    return approved, premium


def _overall_multiplier(lines: list[ItemVerdict]) -> Decimal:
    if len(lines) == 1:
        return lines[0].multiplier
    weight = sum((line.base_rate * line.value for line in lines), ZERO)
    if not weight:
        return ONE
    exact = sum((line.exact_premium for line in lines), ZERO)
    return (exact / weight).quantize(MULTIPLIER_PLACES, rounding=ROUND_HALF_UP)


def _listings(books: Books, application: ApplicationInput) -> list[Listing]:
    keys = identity_keys(application.applicant)
    found: dict[str, Listing] = {}
    for book in books.distinct:
        identities = book.identities
        if not identities:
            continue
        for key in keys:
            for listing in identities.get(key, ()):
                found.setdefault(listing[1], listing)
    return list(found.values())


def evaluate(books: Books, application: ApplicationInput, today: datetime.date) -> Verdict:
    """Apply the compiled rulebooks to an application: the decision in plain values (the hot path)."""
    intake = intake_errors(books, application, today)
    if intake:
        return Verdict(False, None, ONE, [], [], intake)
    lines = _price_items(books, application, today)
    listed = _listings(books, application)
    approved = not listed
    premium = ZERO
    for line in lines:
        if line.bars or line.multiplier <= ZERO:
            approved = False
        premium += line.premium
    return Verdict(approved, premium if approved else None, _overall_multiplier(lines), lines, listed, intake)


def _breakdown(request: ApplicationInput | QuoteRequest, lines: list[ItemVerdict]) -> list[BreakdownLine]:
    return [
        BreakdownLine(
            item=line.index,
            coverage=line.coverage,
            label=_label(request.items[line.index]),
            value=Money.of(line.value),
            base_rate=str(line.base_rate),
            multiplier=str(line.multiplier),
            premium=Money.of(line.premium if line.premium > ZERO else ZERO),
            rule_ids=[rule.rule_id for rule in sorted(line.factors, key=lambda r: r.position)],
        )
        for line in lines
    ]


def _rule_reasons(lines: list[ItemVerdict], *, bars: bool) -> list[Reason]:
    """One reason per rule that applied, listing the items it applied to, in rulebook order."""
    found: dict[str, tuple[CompiledRule, list[int]]] = {}
    for line in lines:
        for rule in line.bars if bars else line.factors:
            found.setdefault(rule.rule_id, (rule, []))[1].append(line.index)
    ordered = sorted(found.values(), key=lambda pair: (pair[0].position, pair[0].rule_id))
    return [
        Reason(
            rule_id=rule.rule_id,
            sentence=rule.sentence,
            kind="bar" if bars else "rate_factor",
            rate=None if bars else str(rule.rate),
            items=items,
        )
        for rule, items in ordered
    ]


def decide(
    books: Books,
    application: ApplicationInput,
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Decision:
    """Underwrite a validated application against compiled rulebooks. Never raises for a rule: a request that
    fails intake is declined with the field errors as reasons (the rulebook may have changed since intake).

    The reasons of an approval are the rate factors that priced it; those of a decline are only what declined it
    (intake, bars, lists, a non-positive multiplier), never the discounts or surcharges that also applied."""
    moment = now or datetime.datetime.now(datetime.UTC)
    verdict = evaluate(books, application, today or moment.date())
    reasons = [Reason(rule_id=f"INTAKE-{e.field}", sentence=e.message, kind="intake") for e in verdict.intake]
    reasons += _rule_reasons(verdict.items, bars=True)
    reasons += [Reason(rule_id=rule_id, sentence=sentence, kind=kind) for kind, rule_id, sentence in verdict.listed]  # type: ignore[arg-type]
    if verdict.nonpositive:
        reasons.append(
            Reason(
                rule_id=MULTIPLIER_RULE,
                sentence="The rate factors leave no positive premium, so no policy can be offered.",
                kind="multiplier",
                items=verdict.nonpositive,
            )
        )
    if verdict.approved:  # a decline gives the rules that declined it; the breakdown still shows every factor
        reasons += _rule_reasons(verdict.items, bars=False)
    return Decision(
        approved=verdict.approved,
        reasons=reasons,
        premium=Money.of(verdict.premium) if verdict.premium is not None else None,
        multiplier=str(verdict.multiplier),
        rulebook_version=books.product.label,
        rulebook_versions=books.versions(),
        breakdown=_breakdown(application, verdict.items),
        decided_at=moment,
    )


def price(books: Books, request: QuoteRequest, *, today: datetime.date | None = None) -> QuoteResult:
    """The premium the same criteria give `request`. Raises RuleViolation when intake fails or when a bar or a
    non-positive multiplier means no policy could be offered (each as a field error on the item)."""
    day = today or datetime.datetime.now(datetime.UTC).date()
    check_intake(books, request, day)
    lines = _price_items(books, request, day)
    refusals = [  # a person reads the rule's sentence; the rule ids are in the breakdown of a decision
        FieldError(f"items[{line.index}]", rule.sentence)
        for line in lines
        for rule in sorted(line.bars, key=lambda r: r.position)
    ]
    refusals += [
        FieldError(f"items[{line.index}]", "The rate factors leave no positive premium, so no policy can be offered.")
        for line in lines
        if line.multiplier <= ZERO
    ]
    if refusals:
        raise RuleViolation("No policy could be offered for these items.", errors=refusals)
    return QuoteResult(
        premium=Money.of(sum((line.premium for line in lines), ZERO)),
        multiplier=str(_overall_multiplier(lines)),
        breakdown=_breakdown(request, lines),
        reasons=_rule_reasons(lines, bars=False),
        rulebook_version=books.product.label,
        rulebook_versions=books.versions(),
    )
