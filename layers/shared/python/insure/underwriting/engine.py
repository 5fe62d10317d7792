"""The underwriting engine: a rulebook compiled once into tuples of closures, then applied to requests.

Per item: multiplier = 1 + Σ rate of the applicable rate factors; premium = multiplier × base rate × value,
rounded half-up to the cent; the policy premium is the sum of the items' premiums. Any applicable bar, a match
on the frequent-claimant or delinquent-debtor list, or a multiplier ≤ 0 declines, and the decision lists every
rule that applied. Nothing here touches AWS: rulebooks come in compiled, requests come in validated.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
from insure.products.rulebooks import IdentityRecord, RulebookDocument
from insure.types import CENT, Money
from insure.underwriting import conditions
from insure.underwriting.facts import age_on, bundle_facts, item_facts, known_facts, policy_facts
from insure.underwriting.models import BreakdownLine, Decision, QuoteResult, Reason

ZERO = Decimal(0)
ONE = Decimal(1)
MULTIPLIER_PLACES = Decimal("0.0001")
MULTIPLIER_RULE = "UW-MULTIPLIER"
ADULT_AGE = 18

Predicate = conditions.Predicate


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: str
    sentence: str
    predicate: Predicate
    condition: Mapping[str, Any]
    rate: Decimal = ZERO


def _name_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _phone_key(value: str) -> str:
    return re.sub(r"\D", "", value)[-10:]


@dataclass(frozen=True, slots=True)
class IdentityList:
    """A frequent-claimant or delinquent-debtor list, indexed by normalized identity."""

    rule_prefix: str
    sentence: str
    by_name_and_birth: Mapping[tuple[str, str], IdentityRecord]
    by_company: Mapping[str, IdentityRecord]
    by_email: Mapping[str, IdentityRecord]
    by_phone: Mapping[str, IdentityRecord]

    @classmethod
    def of(cls, records: list[IdentityRecord], rule_prefix: str, sentence: str) -> IdentityList:
        return cls(
            rule_prefix,
            sentence,
            {
                (_name_key(r.name), r.date_of_birth.isoformat()): r
                for r in records
                if r.name and r.date_of_birth is not None
            },
            {_name_key(r.company_name): r for r in records if r.company_name},
            {r.email.strip().lower(): r for r in records if r.email},
            {_phone_key(r.phone): r for r in records if r.phone},
        )

    def match(self, applicant: PersonalApplicant | BusinessApplicant) -> IdentityRecord | None:
        found = self.by_email.get(applicant.email.lower()) or self.by_phone.get(_phone_key(applicant.phone))
        if found:
            return found
        if isinstance(applicant, PersonalApplicant):
            key = (_name_key(applicant.first_name + applicant.last_name), applicant.date_of_birth.isoformat())
            return self.by_name_and_birth.get(key)
        return self.by_company.get(_name_key(applicant.company_name))


@dataclass(frozen=True, slots=True)
class CompiledRulebook:
    """One rulebook version, ready to decide: states and limits as sets and Decimals, rules as closures."""

    product: str
    version: str
    title: str
    description: str
    base_rate: Decimal | None
    approved_states: frozenset[str]
    applicant_types: tuple[str, ...]
    max_item_value: Decimal
    max_insured_value: Decimal
    bars: tuple[CompiledRule, ...]
    rate_factors: tuple[CompiledRule, ...]
    frequent_claimants: IdentityList
    delinquent_debtors: IdentityList
    document: RulebookDocument = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.product}@{self.version}"

    def interpreted(self) -> CompiledRulebook:
        """The same rulebook whose conditions are walked on every evaluation (the naive reference)."""

        def walk(rule: CompiledRule) -> CompiledRule:
            condition = rule.condition
            return replace(rule, predicate=lambda facts: conditions.interpret(condition, facts))

        return replace(
            self,
            bars=tuple(walk(r) for r in self.bars),
            rate_factors=tuple(walk(r) for r in self.rate_factors),
        )


def compile_rulebook(document: RulebookDocument) -> CompiledRulebook:
    """Check every condition against the facts the product has and compile it to a closure (once per version).

    Raises conditions.ConditionError naming the rule when a condition is malformed or reads an unknown fact.
    """
    fields = bundle_facts() if document.product == "bundle" else known_facts(document.product)
    seen: set[str] = set()

    def build(rule_id: str, sentence: str, condition: Mapping[str, Any], rate: Decimal = ZERO) -> CompiledRule:
        if rule_id in seen:
            raise conditions.ConditionError(f"{document.label}: rule id {rule_id} is used twice")
        seen.add(rule_id)
        normalized = conditions.normalize(condition, fields, where=f"{document.label} {rule_id}")
        return CompiledRule(rule_id, sentence, conditions.compile_condition(normalized), normalized, rate)

    return CompiledRulebook(
        product=document.product,
        version=document.version,
        title=document.title,
        description=document.description,
        base_rate=document.base_rate,
        approved_states=frozenset(document.approved_states),
        applicant_types=tuple(document.applicant_types),
        max_item_value=document.max_item_value,
        max_insured_value=document.max_insured_value,
        bars=tuple(build(b.id, b.description, b.condition) for b in document.bars),
        rate_factors=tuple(build(f.id, f.description, f.condition, f.rate) for f in document.rate_factors),
        frequent_claimants=IdentityList.of(
            document.frequent_claimants, "LIST-FREQUENT-CLAIMANT", "The applicant is on the frequent claimants list."
        ),
        delinquent_debtors=IdentityList.of(
            document.delinquent_debtors, "LIST-DELINQUENT-DEBTOR", "The applicant is on the delinquent debtors list."
        ),
        document=document,
    )


@dataclass(frozen=True, slots=True)
class Books:
    """The rulebooks one request needs: the product's, and each coverage's (the same one unless a bundle)."""

    product: CompiledRulebook
    coverages: Mapping[str, CompiledRulebook]

    def for_item(self, coverage: str) -> CompiledRulebook:
        return self.coverages[coverage]

    def versions(self) -> dict[str, str]:
        books = {self.product.product: self.product, **self.coverages}
        return {name: book.version for name, book in books.items()}

    def interpreted(self) -> Books:
        product = self.product.interpreted()
        coverages = {
            name: (product if book is self.product else book.interpreted()) for name, book in self.coverages.items()
        }
        return Books(product, coverages)


# --- intake ---------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def intake_errors(books: Books, request: ApplicationInput | QuoteRequest, today: datetime.date) -> list[FieldError]:
    """What the person must correct before the request can be underwritten: states, limits, who may apply."""
    errors: list[FieldError] = []
    product = books.product
    if request.state not in product.approved_states:
        states = ", ".join(sorted(product.approved_states))
        errors.append(FieldError("state", f"{product.title} is not sold in {request.state}; it is sold in {states}."))
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
                errors.append(FieldError(f"{where}.coverage", f"{book.title} is not sold in {request.state}."))
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
                    f"{_money(item.value)} is over the {_money(book.max_item_value)} limit per item for {book.title}.",
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
                    f"{_money(book.max_insured_value)} limit per insured for {book.title}.",
                )
            )
            totals[item.coverage] -= item.value
        elif book is not product and total > product.max_insured_value:
            errors.append(
                FieldError(
                    f"{where}.value",
                    f"The items add up to {_money(total)}, over the {_money(product.max_insured_value)} limit "
                    f"per insured for {product.title}.",
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
        return f"{item.construction.replace('_', ' ')} {item.occupancy.replace('_', ' ')} building"  # type: ignore[union-attr]
    if coverage == "casualty":
        return f"liability, SIC {item.sic_code}"  # type: ignore[union-attr]
    return coverage.replace("_", " ")


class _Outcome:
    """What applying the rules to every item found (mutable while it is built, read once)."""

    __slots__ = ("exact_total", "lines", "nonpositive", "premium", "reasons", "weight")

    def __init__(self) -> None:
        self.reasons: dict[str, Reason] = {}
        self.lines: list[BreakdownLine] = []
        self.premium = ZERO
        self.exact_total = ZERO
        self.weight = ZERO
        self.nonpositive: list[int] = []

    def note(self, rule: CompiledRule, kind: Any, index: int) -> None:
        reason = self.reasons.get(rule.rule_id)
        if reason is None:
            rate = str(rule.rate) if kind == "rate_factor" else None
            self.reasons[rule.rule_id] = Reason(
                rule_id=rule.rule_id, sentence=rule.sentence, kind=kind, rate=rate, items=[index]
            )
        else:
            reason.items.append(index)

    @property
    def multiplier(self) -> Decimal:
        if len(self.lines) == 1:
            return Decimal(self.lines[0].multiplier)
        if not self.weight:
            return ONE
        return (self.exact_total / self.weight).quantize(MULTIPLIER_PLACES, rounding=ROUND_HALF_UP)


def _apply_rules(books: Books, request: ApplicationInput | QuoteRequest, today: datetime.date) -> _Outcome:
    outcome = _Outcome()
    policy = policy_facts(request, today)
    extra: tuple[CompiledRulebook, ...] = () if books.product.product != "bundle" else (books.product,)
    for index, item in enumerate(request.items):
        book = books.coverages[item.coverage]
        facts = item_facts(item, policy, today)
        rate = ZERO
        applied: list[str] = []
        for source in (book, *extra):
            for rule in source.bars:
                if rule.predicate(facts):
                    outcome.note(rule, "bar", index)
            for rule in source.rate_factors:
                if rule.predicate(facts):
                    rate += rule.rate
                    applied.append(rule.rule_id)
                    outcome.note(rule, "rate_factor", index)
        multiplier = ONE + rate
        base = book.base_rate or ZERO
        exact = multiplier * base * item.value
        premium = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        if multiplier <= ZERO:
            outcome.nonpositive.append(index)
        outcome.premium += premium
        outcome.exact_total += exact
        outcome.weight += base * item.value
        outcome.lines.append(
            BreakdownLine(
                item=index,
                coverage=item.coverage,
                label=_label(item),
                value=Money.of(item.value),
                base_rate=str(base),
                multiplier=str(multiplier),
                premium=Money.of(max(premium, ZERO)),
                rule_ids=applied,
            )
        )
    return outcome


def _ordered(reasons: list[Reason]) -> list[Reason]:
    """Reasons that decline first, then the rate factors, each group in rulebook order."""
    return sorted(reasons, key=lambda r: r.kind == "rate_factor")


def decide(
    books: Books,
    application: ApplicationInput,
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Decision:
    """Underwrite a validated application against compiled rulebooks. Never raises for a rule: a request that
    fails intake is declined with the field errors as reasons (the rulebook may have changed since intake)."""
    moment = now or datetime.datetime.now(datetime.UTC)
    day = today or moment.date()
    versions = books.versions()
    label = books.product.label
    errors = intake_errors(books, application, day)
    if errors:
        reasons = [Reason(rule_id=f"INTAKE-{e.field}", sentence=e.message, kind="intake") for e in errors]
        return Decision(
            approved=False,
            reasons=reasons,
            premium=None,
            multiplier="1",
            rulebook_version=label,
            rulebook_versions=versions,
            decided_at=moment,
        )
    outcome = _apply_rules(books, application, day)
    declines = [r for r in outcome.reasons.values() if r.kind == "bar"]
    for book in {id(b): b for b in (books.product, *books.coverages.values())}.values():
        for listing, kind in (
            (book.frequent_claimants, "frequent_claimant"),
            (book.delinquent_debtors, "delinquent_debtor"),
        ):
            record = listing.match(application.applicant)
            if record is not None:
                rule_id = f"{listing.rule_prefix}-{record.id}"
                if all(r.rule_id != rule_id for r in declines):
                    declines.append(Reason(rule_id=rule_id, sentence=listing.sentence, kind=kind))  # type: ignore[arg-type]
    if outcome.nonpositive:
        declines.append(
            Reason(
                rule_id=MULTIPLIER_RULE,
                sentence="The rate factors leave no positive premium, so no policy can be offered.",
                kind="multiplier",
                items=outcome.nonpositive,
            )
        )
    approved = not declines
    factors = [r for r in outcome.reasons.values() if r.kind == "rate_factor"]
    return Decision(
        approved=approved,
        reasons=_ordered(declines + factors),
        premium=Money.of(outcome.premium) if approved else None,
        multiplier=str(outcome.multiplier),
        rulebook_version=label,
        rulebook_versions=versions,
        breakdown=outcome.lines,
        decided_at=moment,
    )


def price(books: Books, request: QuoteRequest, *, today: datetime.date | None = None) -> QuoteResult:
    """The premium the same criteria give `request`. Raises RuleViolation when intake fails or when a bar or a
    non-positive multiplier means no policy could be offered (each as a field error on the item)."""
    day = today or datetime.datetime.now(datetime.UTC).date()
    check_intake(books, request, day)
    outcome = _apply_rules(books, request, day)
    refusals = [
        FieldError(f"items[{index}]", f"{reason.rule_id}: {reason.sentence}")
        for reason in outcome.reasons.values()
        if reason.kind == "bar"
        for index in reason.items
    ]
    refusals += [
        FieldError(f"items[{index}]", f"{MULTIPLIER_RULE}: the rate factors leave no positive premium.")
        for index in outcome.nonpositive
    ]
    if refusals:
        raise RuleViolation("No policy could be offered for these items.", errors=refusals)
    return QuoteResult(
        premium=Money.of(outcome.premium),
        multiplier=str(outcome.multiplier),
        breakdown=outcome.lines,
        reasons=[r for r in outcome.reasons.values() if r.kind == "rate_factor"],
        rulebook_version=books.product.label,
        rulebook_versions=books.versions(),
    )


def applicant_age(application: ApplicationInput, today: datetime.date) -> int | None:
    return age_on(application.date_of_birth, today)


RulebookLoader = Callable[[str], CompiledRulebook]


def books_for(load: RulebookLoader, product: str, coverages: list[str]) -> Books:
    """The rulebooks a request for `product` covering `coverages` needs, from `load(product) -> current`."""
    main = load(product)
    if product != "bundle":
        return Books(main, {product: main})
    return Books(main, {coverage: load(coverage) for coverage in coverages if coverage != "bundle"})
