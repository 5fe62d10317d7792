"""The underwriting engine: a rulebook compiled once into tuples of closures, then applied to requests.

Per item: multiplier = 1 + Σ rate of the applicable rate factors; premium = multiplier × base rate × value,
rounded half-up to the cent; the policy premium is the sum of the items' premiums. Any applicable bar, a match
on the frequent-claimant or delinquent-debtor list, or a multiplier ≤ 0 declines, and the decision lists every
rule that applied. Nothing here touches AWS: rulebooks come in compiled, requests come in validated.
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from insure import conditions
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
from insure.underwriting.facts import POLICY_FACTS, bundle_facts, item_facts, known_facts, policy_facts
from insure.underwriting.models import BreakdownLine, Decision, QuoteResult, Reason

ZERO = Decimal(0)
ONE = Decimal(1)
MULTIPLIER_PLACES = Decimal("0.0001")
MULTIPLIER_RULE = "UW-MULTIPLIER"

Predicate = conditions.Predicate


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A bar or a rate factor: its closure, and the normalized condition it was compiled from."""

    rule_id: str
    sentence: str
    predicate: Predicate
    condition: Mapping[str, Any]
    rate: Decimal = ZERO
    is_bar: bool = False
    position: int = 0
    units: int = 0
    """The rate in millionths, so matching sums integers (exact: rates have at most six decimal places)."""


Guarded = tuple[CompiledRule, Predicate | None]
"""A rule reached through an index entry, with what remains of its condition once the guard matched."""
Cell = tuple[int, tuple["CompiledRule", ...], tuple["CompiledRule", ...], tuple[Guarded, ...]]
"""What one index entry triggers: the summed rate and the rules of the rate factors that need nothing more,
the bars that need nothing more, and the rules whose remaining condition must still be checked."""
Index = tuple[tuple[str, Mapping[Any, Cell]], ...]
Ranges = tuple[tuple[str, tuple[Any, ...], int, tuple[Cell, ...]], ...]
Lookups = tuple[tuple[str, Mapping[Any, Cell], tuple[Any, ...] | None, int, tuple[Cell, ...]], ...]
Match = tuple[int, list["CompiledRule"], list["CompiledRule"]]
"""(Σ rate of the applicable rate factors in millionths, those rate factors, the applicable bars)"""
RATE_UNITS = 1_000_000
EQUALITY_KINDS = frozenset({"text", "number", "flag"})
RANGE_OPS = frozenset({"lt", "le", "gt", "ge", "between", "eq"})


def _guard(
    condition: Mapping[str, Any], usable: Callable[[Mapping[str, Any]], bool]
) -> tuple[Mapping[str, Any], Predicate | None] | None:
    """A leaf test that must hold for the condition to hold, and the rest of the condition as a closure."""
    if "field" in condition:
        return (condition, None) if usable(condition) else None
    if "all" in condition:
        parts = condition["all"]
        for position, part in enumerate(parts):
            if "field" in part and usable(part):
                rest = parts[:position] + parts[position + 1 :]
                return part, conditions.compile_condition({"all": rest}) if rest else None
    return None


def _regions(leaves: list[tuple[Mapping[str, Any], Guarded]]) -> tuple[tuple[Any, ...], list[tuple[Guarded, ...]]]:
    """Cut the number line at every threshold the leaves compare with; each region (open interval or single
    threshold) lists the guarded rules whose leaf holds there."""
    points: set[Any] = set()
    for leaf, _ in leaves:
        value = leaf["value"]
        points.update(value if isinstance(value, list) else [value])
    thresholds = sorted(points)
    representatives: list[Any] = []
    for i, point in enumerate(thresholds):
        below = thresholds[i - 1] if i else point - 1
        representatives += [(Decimal(below) + Decimal(point)) / 2, point]
    representatives.append(thresholds[-1] + 1)
    regions = [
        tuple(guarded for leaf, guarded in leaves if conditions.interpret(leaf, {leaf["field"]: value}))
        for value in representatives
    ]
    return tuple(thresholds), regions


def _cell(entries: list[Guarded] | tuple[Guarded, ...]) -> Cell:
    settled = [rule for rule, remainder in entries if remainder is None]
    factors = tuple(rule for rule in settled if not rule.is_bar)
    return (
        sum(rule.units for rule in factors),
        factors,
        tuple(rule for rule in settled if rule.is_bar),
        tuple((rule, remainder) for rule, remainder in entries if remainder is not None),
    )


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules compiled for matching: equality guards in hash tables, numeric guards in regions found by bisection,
    and the few rules with neither, evaluated one by one."""

    index: Index = ()
    ranges: Ranges = ()
    residual: tuple[CompiledRule, ...] = ()
    lookups: Lookups = field(init=False, repr=False, compare=False, default=())
    """`index` and `ranges` as one sequence, so one loop reads both: (field, table, thresholds, count, regions),
    `thresholds` None for an equality table."""

    def __post_init__(self) -> None:
        tables: Lookups = tuple((name, table, None, 0, ()) for name, table in self.index)
        ranged: Lookups = tuple(
            (name, {}, thresholds, count, regions) for name, thresholds, count, regions in self.ranges
        )
        object.__setattr__(self, "lookups", tables + ranged)

    def matching(self, facts: Mapping[str, Any]) -> Match:
        """The applicable rate factors (and their summed rate) and bars for `facts`, in no particular order."""
        rate = 0
        factors: list[CompiledRule] = []
        bars: list[CompiledRule] = []
        get = facts.get
        for name, table, thresholds, count, regions in self.lookups:
            value = get(name)
            if thresholds is None:  # an equality table: one hash lookup
                cell = table.get(value)
                if cell is None:
                    continue
            elif value is None:
                continue
            else:  # a ranged field: the region (or exact threshold) the value falls in, by bisection
                position = bisect_left(thresholds, value)
                exact = position < count and thresholds[position] == value
                cell = regions[2 * position + 1] if exact else regions[2 * position]
            units, settled, barred, pending = cell
            if settled:
                rate += units
                factors += settled
            if barred:
                bars += barred
            for rule, remainder in pending:
                if remainder(facts):  # type: ignore[misc]
                    if rule.is_bar:
                        bars.append(rule)
                    else:
                        rate += rule.units
                        factors.append(rule)
        for rule in self.residual:
            if rule.predicate(facts):
                if rule.is_bar:
                    bars.append(rule)
                else:
                    rate += rule.units
                    factors.append(rule)
        return rate, factors, bars


def build_rule_set(rules: Sequence[CompiledRule], kinds: Mapping[str, str]) -> RuleSet:
    """Compile the rules' guards into lookups: rules that require `field == value` go into a hash table per field,
    rules that require a number in a range (or equal to one, when the field is compared by range elsewhere) into
    the regions of that field, so a few lookups find every candidate rule; only the rest are evaluated one by
    one."""
    equalities: list[tuple[Mapping[str, Any], Guarded]] = []
    ranged: dict[str, list[tuple[Mapping[str, Any], Guarded]]] = {}
    residual: list[CompiledRule] = []

    def equality(leaf: Mapping[str, Any]) -> bool:
        return leaf["op"] in ("eq", "in") and kinds.get(leaf["field"]) in EQUALITY_KINDS

    def in_range(leaf: Mapping[str, Any]) -> bool:
        return leaf["op"] in RANGE_OPS and kinds.get(leaf["field"]) == "number"

    def on_item(test: Callable[[Mapping[str, Any]], bool]) -> Callable[[Mapping[str, Any]], bool]:
        return lambda leaf: leaf["field"].startswith("item.") and test(leaf)

    for rule in rules:
        # An item fact as the guard when there is one: the item's own tables, not copies of the policy's.
        found = (
            _guard(rule.condition, on_item(equality))
            or _guard(rule.condition, on_item(in_range))
            or _guard(rule.condition, equality)
            or _guard(rule.condition, in_range)
        )
        if found is None:
            residual.append(rule)
            continue
        leaf, remainder = found
        if leaf["op"] in ("eq", "in"):
            equalities.append((leaf, (rule, remainder)))
        else:
            ranged.setdefault(leaf["field"], []).append((leaf, (rule, remainder)))
    tables: dict[str, dict[Any, list[Guarded]]] = {}
    for leaf, guarded in equalities:
        if leaf["field"] in ranged:  # one bisection answers both the ranges and the equalities on this field
            ranged[leaf["field"]].append((leaf, guarded))
            continue
        table = tables.setdefault(leaf["field"], {})
        values = leaf["value"] if leaf["op"] == "in" else [leaf["value"]]
        for value in dict.fromkeys(values):
            table.setdefault(value, []).append(guarded)
    index = tuple((name, {v: _cell(entries) for v, entries in table.items()}) for name, table in tables.items())
    ranges = []
    for name, leaves in ranged.items():
        thresholds, regions = _regions(leaves)
        ranges.append((name, thresholds, len(thresholds), tuple(_cell(region) for region in regions)))
    return RuleSet(index, tuple(ranges), tuple(residual))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NOT_DIGIT = re.compile(r"\D")
IdentityKey = tuple[Any, ...]
Listing = tuple[str, str, str]
"""(kind, rule id, sentence) of a list entry that matched the applicant."""


def _name_key(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def _phone_key(value: str) -> str:
    return _NOT_DIGIT.sub("", value)[-10:]


def identity_keys(applicant: PersonalApplicant | BusinessApplicant) -> tuple[IdentityKey, ...]:
    """The normalized identities lists are matched on: e-mail, phone, and name with date of birth (a person)
    or company name (a business)."""
    keys = (("email", applicant.email.strip().lower()), ("phone", _phone_key(applicant.phone)))
    if isinstance(applicant, PersonalApplicant):
        name = _name_key(applicant.first_name + applicant.last_name)
        return (*keys, ("person", name, applicant.date_of_birth))
    return (*keys, ("company", _name_key(applicant.company_name)))


def _record_keys(record: IdentityRecord) -> list[IdentityKey]:
    keys: list[IdentityKey] = []
    if record.email:
        keys.append(("email", record.email.strip().lower()))
    if record.phone:
        keys.append(("phone", _phone_key(record.phone)))
    if record.name and record.date_of_birth is not None:
        keys.append(("person", _name_key(record.name), record.date_of_birth))
    if record.company_name:
        keys.append(("company", _name_key(record.company_name)))
    return keys


LISTS = (
    (
        "frequent_claimants",
        "frequent_claimant",
        "LIST-FREQUENT-CLAIMANT",
        "The applicant is on the frequent claimants list.",
    ),
    (
        "delinquent_debtors",
        "delinquent_debtor",
        "LIST-DELINQUENT-DEBTOR",
        "The applicant is on the delinquent debtors list.",
    ),
)


def index_identities(document: RulebookDocument) -> dict[IdentityKey, tuple[Listing, ...]]:
    """Every list record under each of its normalized identities: one lookup per identity finds a match."""
    index: dict[IdentityKey, list[Listing]] = {}
    for attribute, kind, prefix, sentence in LISTS:
        for record in getattr(document, attribute):
            for key in _record_keys(record):
                index.setdefault(key, []).append((kind, f"{prefix}-{record.id}", sentence))
    return {key: tuple(found) for key, found in index.items()}


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
    identities: Mapping[IdentityKey, tuple[Listing, ...]]
    policy_rules: RuleSet = field(repr=False)
    """Rules that read only policy facts: matched once per request."""
    item_rules: RuleSet = field(repr=False)
    """Rules that read an item's facts: matched once per item."""
    document: RulebookDocument = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.product}@{self.version}"

    def interpreted(self) -> CompiledRulebook:
        """The same rulebook whose conditions are walked on every evaluation (the naive reference)."""

        def walk(rule: CompiledRule) -> CompiledRule:
            condition = rule.condition
            return replace(rule, predicate=lambda facts: conditions.interpret(condition, facts))

        bars = tuple(walk(r) for r in self.bars)
        rate_factors = tuple(walk(r) for r in self.rate_factors)
        policy = tuple(r for r in bars + rate_factors if _policy_level(r))
        item = tuple(r for r in bars + rate_factors if not _policy_level(r))
        return replace(
            self,
            bars=bars,
            rate_factors=rate_factors,
            policy_rules=RuleSet(residual=policy),
            item_rules=RuleSet(residual=item),
        )

    def matching(self, facts: Mapping[str, Any]) -> Match:
        """Every applicable rate factor (and their summed rate) and bar for the facts of one item."""
        return merge(self.policy_rules.matching(facts), self.item_rules.matching(facts))


@lru_cache(maxsize=4096)
def multiplier_of(units: int) -> Decimal:
    """1 + the summed rate, exact, shown with at least two decimal places."""
    value = ONE + Decimal(units).scaleb(-6)
    shown = value.quantize(CENT)
    return shown if shown == value else value.normalize()


def merge(first: Match, second: Match) -> Match:
    return first[0] + second[0], first[1] + second[1], first[2] + second[2]


def _policy_level(rule: CompiledRule) -> bool:
    return conditions.fields_of(rule.condition) <= POLICY_FACTS.keys()


def compile_rulebook(document: RulebookDocument) -> CompiledRulebook:
    """Check every condition against the facts the product has and compile it to a closure (once per version).

    Raises conditions.ConditionError naming the rule when a condition is malformed or reads an unknown fact.
    """
    fields = bundle_facts() if document.product == "bundle" else known_facts(document.product)
    seen: set[str] = set()

    def build(
        rule_id: str, sentence: str, condition: Mapping[str, Any], rate: Decimal = ZERO, *, is_bar: bool = False
    ) -> CompiledRule:
        if rule_id in seen:
            raise conditions.ConditionError(f"{document.label}: rule id {rule_id} is used twice")
        seen.add(rule_id)
        normalized = conditions.normalize(condition, fields, where=f"{document.label} {rule_id}")
        predicate = conditions.compile_condition(normalized)
        units = rate * RATE_UNITS
        if units != units.to_integral_value():
            raise conditions.ConditionError(f"{document.label} {rule_id}: a rate has at most six decimal places")
        return CompiledRule(rule_id, sentence, predicate, normalized, rate, is_bar, len(seen), int(units))

    bars = tuple(build(b.id, b.description, b.condition, is_bar=True) for b in document.bars)
    rate_factors = tuple(build(f.id, f.description, f.condition, f.rate) for f in document.rate_factors)
    rules = bars + rate_factors
    policy_rules = build_rule_set([r for r in rules if _policy_level(r)], fields)
    item_rules = build_rule_set([r for r in rules if not _policy_level(r)], fields)

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
        bars=bars,
        rate_factors=rate_factors,
        identities=index_identities(document),
        policy_rules=policy_rules,
        item_rules=item_rules,
        document=document,
    )


@dataclass(frozen=True, slots=True)
class Books:
    """The rulebooks one request needs: the product's, and each coverage's (the same one unless a bundle)."""

    product: CompiledRulebook
    coverages: Mapping[str, CompiledRulebook]
    distinct: tuple[CompiledRulebook, ...] = ()

    def __post_init__(self) -> None:
        books = {id(b): b for b in (self.product, *self.coverages.values())}
        object.__setattr__(self, "distinct", tuple(books.values()))

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
    refusals = [
        FieldError(f"items[{line.index}]", f"{rule.rule_id}: {rule.sentence}")
        for line in lines
        for rule in sorted(line.bars, key=lambda r: r.position)
    ]
    refusals += [
        FieldError(f"items[{line.index}]", f"{MULTIPLIER_RULE}: the rate factors leave no positive premium.")
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


RulebookLoader = Callable[[str], CompiledRulebook]


def books_for(load: RulebookLoader, product: str, coverages: list[str]) -> Books:
    """The rulebooks a request for `product` covering `coverages` needs, from `load(product) -> current`."""
    main = load(product)
    if product != "bundle":
        return Books(main, {product: main})
    return Books(main, {coverage: load(coverage) for coverage in coverages if coverage != "bundle"})
