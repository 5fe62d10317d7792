"""The one condition language of the platform's rules, kept as data: underwriting rulebooks (`data/rulebooks`)
and guidance rules (`data/guidance`) both write conditions this way, checked once, then compiled into plain Python
closures by the one compiler below.

A condition is one of
- a leaf `{"field": "item.kind", "op": "in", "value": ["portable", "handheld"]}`,
- `{"all": [...]}`, `{"any": [...]}` or `{"not": {...}}`.

Leaf operators: `eq`, `ne`, `in`, `not_in`, `lt`, `le`, `gt`, `ge`, `between` (`[low, high]`, inclusive),
`contains` (a list field holds the value), `contains_any`, `contains_all`, `exists` (`true`/`false`).
Strings compare case-insensitively (facts are lower-cased when they are prepared). A leaf on a fact the request
does not have (`None`) is false, except
`exists: false`. Nothing here is ever evaluated as code: `compile_condition` builds closures over the data and
`interpret` walks the same data naively (the reference the compiled form is tested and benchmarked against).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

Facts = Mapping[str, Any]
Predicate = Callable[[Facts], bool]

COMPARISONS = frozenset({"lt", "le", "gt", "ge"})
OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "text": frozenset({"eq", "ne", "in", "not_in", "exists"}),
    "number": frozenset({"eq", "ne", "in", "not_in", "between", "exists", *COMPARISONS}),
    "flag": frozenset({"eq", "ne", "exists"}),
    "set": frozenset({"contains", "contains_any", "contains_all", "exists"}),
}
"""The operators that make sense for each kind of fact (a rulebook asking `brand lt 5` is refused on load)."""
OPERATORS = frozenset().union(*OPERATORS_BY_KIND.values())


class ConditionError(ValueError):
    """A rulebook condition that is not well formed (caught when the rulebook is loaded, never at decision time)."""


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _number(value: Any, where: str) -> Decimal | int:
    if isinstance(value, bool):
        raise ConditionError(f"{where}: expects a number, not a boolean")
    if isinstance(value, int | Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise ConditionError(f"{where}: expects a number, got {value!r}") from error


def normalize(
    condition: Any, known_fields: Mapping[str, str] | None = None, where: str = "condition"
) -> dict[str, Any]:
    """The condition checked and with its values in comparable form (lower-case strings, Decimal numbers).

    `known_fields` maps each fact name to its kind (`text`, `number`, `flag`, `set`). Raises ConditionError for an
    unknown field or operator, an operator that does not suit the field's kind, or a malformed value.
    """
    if not isinstance(condition, Mapping):
        raise ConditionError(f"{where}: a condition is an object")
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        parts = condition[key]
        if len(condition) != 1 or not isinstance(parts, list) or not parts:
            raise ConditionError(f"{where}: '{key}' takes a non-empty list and nothing else")
        return {key: [normalize(p, known_fields, f"{where}.{key}[{i}]") for i, p in enumerate(parts)]}
    if "not" in condition:
        if len(condition) != 1:
            raise ConditionError(f"{where}: 'not' takes one condition and nothing else")
        return {"not": normalize(condition["not"], known_fields, f"{where}.not")}
    field, op = condition.get("field"), condition.get("op")
    if set(condition) != {"field", "op", "value"}:
        raise ConditionError(f"{where}: a leaf has exactly 'field', 'op' and 'value'")
    if not isinstance(field, str) or (known_fields is not None and field not in known_fields):
        raise ConditionError(f"{where}: unknown field {field!r}")
    if op not in OPERATORS:
        raise ConditionError(f"{where}: unknown operator {op!r}")
    if known_fields is not None and op not in OPERATORS_BY_KIND[known_fields[field]]:
        raise ConditionError(f"{where}: '{op}' does not apply to {field} ({known_fields[field]})")
    value = condition["value"]
    if value is None or (isinstance(value, list) and None in value):
        raise ConditionError(f"{where}: use 'exists' to test for a missing fact")
    if op in ("in", "not_in", "contains_any", "contains_all"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"{where}: '{op}' takes a non-empty list")
        value = [_scalar(v) for v in value]
    elif op in COMPARISONS:
        value = _number(value, where)
    elif op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionError(f"{where}: 'between' takes [low, high]")
        value = [_number(value[0], where), _number(value[1], where)]
    elif op == "exists":
        if not isinstance(value, bool):
            raise ConditionError(f"{where}: 'exists' takes true or false")
    else:
        value = _scalar(value)
    if known_fields is not None and known_fields[field] == "flag" and op != "exists" and not isinstance(value, bool):
        raise ConditionError(f"{where}: {field} is true or false")
    return {"field": field, "op": op, "value": value}


def fields_of(condition: Mapping[str, Any]) -> set[str]:
    """Every fact name a (normalized) condition reads."""
    if "field" in condition:
        return {condition["field"]}
    if "not" in condition:
        return fields_of(condition["not"])
    return set().union(*(fields_of(part) for part in next(iter(condition.values()))))


# --- the naive interpreter: walks the data on every evaluation ----------------------------------------------


def interpret(condition: Mapping[str, Any], facts: Facts) -> bool:
    """Evaluate a normalized condition by walking it (slow, obviously correct: the reference implementation)."""
    if "all" in condition:
        return all(interpret(part, facts) for part in condition["all"])
    if "any" in condition:
        return any(interpret(part, facts) for part in condition["any"])
    if "not" in condition:
        return not interpret(condition["not"], facts)
    op, value = condition["op"], condition["value"]
    fact = facts.get(condition["field"])
    if op == "exists":
        return (fact is not None) is value
    if fact is None:
        return False
    if op == "eq":
        return bool(fact == value)
    if op == "ne":
        return bool(fact != value)
    if op == "in":
        return fact in value
    if op == "not_in":
        return fact not in value
    if op == "lt":
        return bool(fact < value)
    if op == "le":
        return bool(fact <= value)
    if op == "gt":
        return bool(fact > value)
    if op == "ge":
        return bool(fact >= value)
    if op == "between":
        return bool(value[0] <= fact <= value[1])
    if op == "contains":
        return value in fact
    if op == "contains_any":
        return any(v in fact for v in value)
    if op == "contains_all":
        return all(v in fact for v in value)
    raise ConditionError(f"unknown operator {op!r}")


# --- the compiler: one closure per node, built once per rulebook version ------------------------------------


def _leaf(field: str, op: str, value: Any) -> Predicate:
    get = _getter(field)
    if op == "exists":
        return (lambda f: get(f) is not None) if value else (lambda f: get(f) is None)
    if op == "eq":
        return lambda f: get(f) == value
    if op == "ne":
        return lambda f: (x := get(f)) is not None and x != value
    if op in ("in", "not_in"):
        try:
            members: frozenset[Any] | tuple[Any, ...] = frozenset(value)
        except TypeError:
            members = tuple(value)
        if op == "in":
            return lambda f: get(f) in members
        return lambda f: (x := get(f)) is not None and x not in members
    if op == "lt":
        return lambda f: (x := get(f)) is not None and x < value
    if op == "le":
        return lambda f: (x := get(f)) is not None and x <= value
    if op == "gt":
        return lambda f: (x := get(f)) is not None and x > value
    if op == "ge":
        return lambda f: (x := get(f)) is not None and x >= value
    if op == "between":
        low, high = value
        return lambda f: (x := get(f)) is not None and low <= x <= high
    if op == "contains":
        return lambda f: (x := get(f)) is not None and value in x
    if op == "contains_any":
        wanted = frozenset(value)
        return lambda f: (x := get(f)) is not None and not wanted.isdisjoint(x)
    if op == "contains_all":
        wanted = frozenset(value)
        return lambda f: (x := get(f)) is not None and wanted <= x
    raise ConditionError(f"unknown operator {op!r}")


def _getter(field: str) -> Callable[[Facts], Any]:
    def get(facts: Facts) -> Any:
        return facts.get(field)

    return get


def compile_condition(condition: Mapping[str, Any]) -> Predicate:
    """A closure equivalent to `interpret(condition, facts)` for a normalized condition."""
    if "field" in condition:
        field, op, value = condition["field"], condition["op"], condition["value"]
        if op == "eq":
            return _fast_eq(field, value)
        if op == "in":
            return _fast_in(field, value)
        return _leaf(field, op, value)
    if "not" in condition:
        inner = compile_condition(condition["not"])
        return lambda f: not inner(f)
    if "all" in condition:
        parts = tuple(compile_condition(p) for p in condition["all"])
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            return lambda f: first(f) and second(f)

        def all_of(f: Facts) -> bool:
            for part in parts:  # noqa: SIM110 - a plain loop is faster than all() over a generator
                if not part(f):
                    return False
            return True

        return all_of
    parts = tuple(compile_condition(p) for p in condition["any"])
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda f: first(f) or second(f)

    def any_of(f: Facts) -> bool:
        for part in parts:  # noqa: SIM110 - a plain loop is faster than any() over a generator
            if part(f):
                return True
        return False

    return any_of


def _fast_eq(field: str, value: Any) -> Predicate:
    return lambda f: f.get(field) == value


def _fast_in(field: str, value: list[Any]) -> Predicate:
    try:
        members = frozenset(value)
    except TypeError:
        return _leaf(field, "in", value)
    return lambda f: f.get(field) in members
