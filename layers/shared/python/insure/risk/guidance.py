"""Guidance: what the person on site should do now, chosen by rules kept as data (`data/guidance/*.json`).

Each rule names its audience (`customer`, `third_party`), a declarative condition on the event type and the
facts, a category and an order; the categories are ranked so safety always comes first. A rule with
`"for_each": "insurer"` yields one step per insurer covering the object, its text filled with the insurer's
name and reporting deadline. Conditions:
`{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`, `{"fact": F, "is": V}`, `{"fact": F, "in": [V, ...]}`,
`{"fact": F, "present": true|false}`; a rule without `when` always applies. `F` is a field of `Facts`.

The rule files are read and compiled into closures once per execution environment (`rulebook()`); a typo in a
fact name or an unknown category fails the compilation, not a request."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.data_files import data_dir
from insure.risk.facts import Facts

Audience = Literal["customer", "third_party"]
CATEGORIES = ("safety", "secure", "authorities", "document", "insurers", "information")
Category = Literal["safety", "secure", "authorities", "document", "insurers", "information"]
Condition = Callable[[dict[str, Any]], bool]


class GuidanceStep(BaseModel):
    """One thing to do now, in the order given."""

    rule_id: str
    category: Category
    text: str


@dataclass(frozen=True)
class InsurerDeadline:
    """An insurer covering the object and how soon it must be told (from the insurer record)."""

    insurer_id: str
    name: str
    reporting_deadline_hours: int | None


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    category: Category
    order: int = 0
    audience: list[Audience] = Field(min_length=1)
    when: dict[str, Any] | None = None
    for_each: Literal["insurer"] | None = None
    text: str = Field(min_length=1)


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[_Rule]


class GuidanceRuleError(ValueError):
    """A rule file that does not compile."""


@dataclass(frozen=True)
class CompiledRule:
    rule: _Rule
    applies: Condition


FACT_NAMES = frozenset(Facts.model_fields)


def compile_condition(spec: dict[str, Any] | None, where: str = "when") -> Condition:
    """A declarative condition → a predicate over the facts (a dict)."""
    if spec is None:
        return lambda facts: True
    if not isinstance(spec, dict) or not spec:
        raise GuidanceRuleError(f"{where}: a condition is a non-empty object")
    if "all" in spec or "any" in spec:
        key = "all" if "all" in spec else "any"
        parts = [compile_condition(p, f"{where}.{key}[{i}]") for i, p in enumerate(spec[key])]
        if key == "all":
            return lambda facts: all(p(facts) for p in parts)
        return lambda facts: any(p(facts) for p in parts)
    if "not" in spec:
        inner = compile_condition(spec["not"], f"{where}.not")
        return lambda facts: not inner(facts)
    name = spec.get("fact")
    if name not in FACT_NAMES:
        raise GuidanceRuleError(f"{where}: unknown fact {name!r}")
    if "is" in spec:
        expected = spec["is"]
        return lambda facts: facts.get(name) == expected
    if "in" in spec:
        allowed = tuple(spec["in"])
        return lambda facts: facts.get(name) in allowed
    if "present" in spec:
        wanted = bool(spec["present"])
        return lambda facts: (facts.get(name) not in (None, "")) == wanted
    raise GuidanceRuleError(f"{where}: expected one of is / in / present for fact {name!r}")


@dataclass(frozen=True)
class Rulebook:
    """Compiled rules in evaluation order: category rank, then `order`, then file order."""

    rules: tuple[CompiledRule, ...]

    def evaluate(
        self,
        audience: Audience,
        facts: dict[str, Any],
        *,
        insurers: Iterable[InsurerDeadline] = (),
        occurred_at: datetime | None = None,
    ) -> list[GuidanceStep]:
        steps: list[GuidanceStep] = []
        for compiled in self.rules:
            rule = compiled.rule
            if audience not in rule.audience or not compiled.applies(facts):
                continue
            if rule.for_each == "insurer":
                steps += [_insurer_step(rule, insurer, occurred_at) for insurer in insurers]
            else:
                steps.append(GuidanceStep(rule_id=rule.id, category=rule.category, text=rule.text))
        return steps


def _insurer_step(rule: _Rule, insurer: InsurerDeadline, occurred_at: datetime | None) -> GuidanceStep:
    hours = insurer.reporting_deadline_hours
    if hours is None:
        deadline_text = "as soon as possible"
    elif occurred_at is not None:
        deadline_text = f"within {hours} hours (by {(occurred_at + timedelta(hours=hours)).isoformat()})"
    else:
        deadline_text = f"within {hours} hours"
    text = rule.text.format(insurer=insurer.name, deadline=deadline_text)
    return GuidanceStep(rule_id=f"{rule.id}:{insurer.insurer_id}", category=rule.category, text=text)


def compile_rules(documents: Iterable[tuple[str, Any]]) -> Rulebook:
    """Validate and compile rule documents given as (source name, parsed JSON)."""
    compiled: list[tuple[int, int, int, CompiledRule]] = []
    seen: set[str] = set()
    position = 0
    for source, document in documents:
        try:
            parsed = _RuleFile.model_validate(document)
        except ValueError as error:
            raise GuidanceRuleError(f"{source}: {error}") from error
        for rule in parsed.rules:
            if rule.id in seen:
                raise GuidanceRuleError(f"{source}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            applies = compile_condition(rule.when, f"{source}:{rule.id}.when")
            compiled.append((CATEGORIES.index(rule.category), rule.order, position, CompiledRule(rule, applies)))
            position += 1
    compiled.sort(key=lambda item: item[:3])
    return Rulebook(tuple(item[3] for item in compiled))


def guidance_dir() -> Path:
    """`data/guidance` of the deployment (repository checkout, or `/opt/data` in the layer)."""
    try:
        return data_dir("guidance")
    except FileNotFoundError as error:
        raise GuidanceRuleError("data/guidance not found") from error


def load_rules(directory: Path) -> Rulebook:
    files = sorted(directory.glob("*.json"))
    return compile_rules((f.name, json.loads(f.read_text())) for f in files)


@cache
def rulebook() -> Rulebook:
    """The compiled rules of this environment (compiled once)."""
    return load_rules(guidance_dir())
