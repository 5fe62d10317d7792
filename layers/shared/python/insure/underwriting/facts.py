"""The facts a rule can test: a flat mapping built from the objective fields of a request, once per decision.

Policy facts (`state`, `applicant.age`, `policy.total_value`, ...) hold for the whole request; item facts
(`item.kind`, `item.age`, ...) for one insured item. Narrative fields are never copied into facts, so no rule can
read them. Strings are lower-cased, lists become frozensets and numbers stay exact (int or Decimal).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

from insure.products.ids import COVERAGES
from insure.products.models import (
    ITEM_MODELS,
    ApplicationInput,
    BusinessApplicant,
    ItemModel,
    PersonalApplicant,
    QuoteRequest,
)

NARRATIVE_FIELDS = frozenset({"description", "notes", "serial_number", "beneficiary", "address", "coverage"})
"""Item fields never exposed to rules (narrative or identifying); `coverage` is exposed as `item.coverage`."""

POLICY_FACTS: dict[str, str] = {
    "product": "text",
    "state": "text",
    "applicant_type": "text",
    "applicant.age": "number",
    "applicant.occupation": "text",
    "applicant.zip": "text",
    "applicant.sic_code": "text",
    "applicant.years_in_business": "number",
    "applicant.employees": "number",
    "policy.item_count": "number",
    "policy.total_value": "number",
    "policy.coverage_count": "number",
    "policy.coverages": "set",
    **{f"policy.{coverage}_count": "number" for coverage in COVERAGES},
}
"""`policy.computer_count` (and one per coverage): how many items of that coverage the policy holds, so a rule
about several systems counts systems, not a bundle's buildings or persons (`policy.item_count` counts them all)."""
COVERAGE_COUNTS = {coverage: f"policy.{coverage}_count" for coverage in COVERAGES}

DERIVED_ITEM_FACTS: dict[str, dict[str, str]] = {
    "computer": {"item.age": "number", "item.accessory_count": "number"},
    "property": {"item.age": "number"},
    "casualty": {"item.sic_division": "text", "item.loss_control_count": "number", "item.value_to_revenue": "number"},
    "disability": {"item.income_replacement": "number"},
    "accidental_death": {"item.hazardous_activity_count": "number"},
    "major_medical": {"item.covered_persons": "number"},
}


def _kind_of(annotation: Any) -> str:
    origin, args = get_origin(annotation), [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        return _kind_of(args[0])
    if origin is Literal:
        return "number" if all(isinstance(a, int) and not isinstance(a, bool) for a in args) else "text"
    if origin is list:
        return "set"
    if args and origin is not None:  # a union with None
        return _kind_of(args[0])
    if annotation is bool:
        return "flag"
    if annotation in (int, Decimal):
        return "number"
    return "text"


def _model_facts(model: type[BaseModel], prefix: str) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if name in NARRATIVE_FIELDS:
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            kinds.update(_model_facts(annotation, f"{prefix}{name}."))
            continue
        kinds[f"{prefix}{name}"] = _kind_of(annotation)
    return kinds


def known_facts(coverage: str) -> dict[str, str]:
    """Every fact a rule for `coverage` may test, with its kind (`text`, `number`, `flag`, `set`)."""
    kinds = dict(POLICY_FACTS)
    kinds["item.coverage"] = "text"
    kinds.update(_model_facts(ITEM_MODELS[coverage], "item."))
    kinds.update(DERIVED_ITEM_FACTS[coverage])
    return kinds


def bundle_facts() -> dict[str, str]:
    """Facts a bundle rule may test: the policy facts and every coverage's item facts."""
    kinds: dict[str, str] = {}
    for coverage in ITEM_MODELS:
        kinds.update(known_facts(coverage))
    return kinds


def age_on(born: datetime.date | None, today: datetime.date) -> int | None:
    """Whole years from `born` to `today`."""
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


AS_IS, LOWER, SET, NESTED = 0, 1, 2, 3
Plan = tuple[tuple[str, str, int, tuple[Any, ...]], ...]
_ITEM_PLANS: dict[type[BaseModel], Plan] = {}


def _mode(annotation: Any) -> int:
    """How a field becomes a fact: free text is lower-cased, lists become sets, the rest (literals, which are
    lower-case already, numbers, flags) is copied as it is."""
    origin, args = get_origin(annotation), [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        return _mode(args[0])
    if origin is list:
        return SET
    if args and origin is not Literal and origin is not None:
        return _mode(args[0])
    return LOWER if annotation is str else AS_IS


def _plan(model: type[BaseModel], prefix: str = "item.") -> Plan:
    """(attribute, fact name, mode, nested plan) for each objective field of `model`: computed once per model."""
    plan = _ITEM_PLANS.get(model) if prefix == "item." else None
    if plan is None:
        steps = []
        for name, info in model.model_fields.items():
            if name in NARRATIVE_FIELDS:
                continue
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                steps.append((name, f"{prefix}{name}", NESTED, _plan(annotation, f"{prefix}{name}.")))
            else:
                steps.append((name, f"{prefix}{name}", _mode(annotation), ()))
        plan = tuple(steps)
        if prefix == "item.":
            _ITEM_PLANS[model] = plan
    return plan


def _copy(facts: dict[str, Any], values: Mapping[str, Any], plan: Plan) -> None:
    for name, fact, mode, nested in plan:
        value = values[name]
        if mode == AS_IS:
            facts[fact] = value
        elif mode == LOWER:
            facts[fact] = value.lower()
        elif mode == SET:
            facts[fact] = frozenset(value)
        else:
            _copy(facts, value.__dict__, nested)


def item_facts(item: ItemModel, policy: Mapping[str, Any], today: datetime.date) -> dict[str, Any]:
    """The policy facts plus this item's objective fields and derived facts."""
    facts = dict(policy)
    facts["item.coverage"] = coverage = item.coverage
    _copy(facts, item.__dict__, _ITEM_PLANS.get(type(item)) or _plan(type(item)))
    if coverage == "computer":
        year = item.purchase_year or today.year  # type: ignore[union-attr]
        facts["item.age"] = max(today.year - year, 0)
        facts["item.accessory_count"] = len(item.accessories)  # type: ignore[union-attr]
    elif coverage == "property":
        facts["item.age"] = max(today.year - item.year_built, 0)  # type: ignore[union-attr]
    elif coverage == "casualty":
        facts["item.sic_division"] = item.sic_code[:2]  # type: ignore[union-attr]
        facts["item.loss_control_count"] = len(item.loss_control)  # type: ignore[union-attr]
        revenue = item.annual_revenue  # type: ignore[union-attr]
        facts["item.value_to_revenue"] = (item.value / revenue) if revenue else None
    elif coverage == "disability":
        income = item.annual_income  # type: ignore[union-attr]
        facts["item.income_replacement"] = (item.value * 12 / income) if income else None
    elif coverage == "accidental_death":
        facts["item.hazardous_activity_count"] = len(item.hazardous_activities)  # type: ignore[union-attr]
    elif coverage == "major_medical":
        facts["item.covered_persons"] = 1 + item.dependents  # type: ignore[union-attr]
    return facts


_EMPTY_APPLICANT = {
    "applicant.age": None,
    "applicant.occupation": None,
    "applicant.zip": None,
    "applicant.sic_code": None,
    "applicant.years_in_business": None,
    "applicant.employees": None,
}


def policy_facts(request: ApplicationInput | QuoteRequest, today: datetime.date) -> dict[str, Any]:
    """Facts about the whole request: where, who, how much."""
    items = request.items
    total = Decimal(0)
    counts = dict.fromkeys(COVERAGE_COUNTS.values(), 0)
    for item in items:
        total += item.value
        counts[COVERAGE_COUNTS[item.coverage]] += 1
    coverages = {coverage for coverage, name in COVERAGE_COUNTS.items() if counts[name]}
    facts: dict[str, Any] = {
        "product": request.product,
        "state": request.state.lower(),
        "applicant_type": request.applicant_type,
        **_EMPTY_APPLICANT,
        "policy.item_count": len(items),
        "policy.total_value": total,
        "policy.coverage_count": len(coverages),
        "policy.coverages": frozenset(coverages),
        **counts,
    }
    if type(request) is ApplicationInput:
        applicant = request.applicant
        facts["applicant.zip"] = applicant.address.zip[:5]
        if type(applicant) is PersonalApplicant:
            facts["applicant.age"] = age_on(applicant.date_of_birth, today)
            facts["applicant.occupation"] = applicant.occupation.lower()
        elif isinstance(applicant, BusinessApplicant):
            facts["applicant.sic_code"] = applicant.sic_code
            facts["applicant.years_in_business"] = applicant.years_in_business
            facts["applicant.employees"] = applicant.employees
    elif isinstance(request, QuoteRequest):
        facts["applicant.age"] = age_on(request.date_of_birth, today)
        facts["applicant.occupation"] = request.occupation
    return facts
