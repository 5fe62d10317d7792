"""A rulebook compiled once into tuples of closures: rules on equality facts in hash tables, numeric regions found
by bisection, the rest guarded; each table cell carries the pre-summed rate (integer millionths) of the rules it
settles (`CompiledRulebook`, `Books`). `insure.underwriting.engine` applies them to requests."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from insure import conditions
from insure.products.rulebooks import RulebookDocument
from insure.types import CENT
from insure.underwriting.facts import POLICY_FACTS, bundle_facts, known_facts
from insure.underwriting.identities import IdentityKey, Listing, index_identities

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


RulebookLoader = Callable[[str], CompiledRulebook]


def books_for(load: RulebookLoader, product: str, coverages: list[str]) -> Books:
    """The rulebooks a request for `product` covering `coverages` needs, from `load(product) -> current`."""
    main = load(product)
    if product != "bundle":
        return Books(main, {product: main})
    return Books(main, {coverage: load(coverage) for coverage in coverages if coverage != "bundle"})
