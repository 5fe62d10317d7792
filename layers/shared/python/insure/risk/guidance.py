"""Guidance: what the person on site should do now, chosen by rules kept as data (`data/guidance/*.json`).

Each rule names its audience (`customer`, `third_party`), a condition on the facts, a category and an order; the
categories are ranked so safety always comes first. A rule with `"for_each": "insurer"` yields one step per
insurer covering the object, its text filled with the insurer's name and reporting deadline. Conditions are
written in the platform's one condition language (`insure.conditions`, the same as the underwriting rulebooks):
`{"field": "event_type", "op": "in", "value": ["fire", "theft"]}`, `{"field": "injuries", "op": "eq", "value":
true}`, `{"field": "police_report_number", "op": "exists", "value": false}`, `all` / `any` / `not`; a rule
without `when` always applies. The fields are those of `Facts` (the free description excepted: never evaluated)
and `done.<action>`.

Guidance states only what the platform has done. What it has done is recorded as actions (`done`: action name →
when, RFC 3339): a rule that tells the person about an action reads `done.<action>` in its condition and may
quote its time as `{done.<action>}` in its text (in words, as deadlines are: "3 December 2026, 10:08 UTC"), so
it applies only once the action is recorded. `ACTIONS` lists the actions a rule may name; the notifications
component records `owner_notified` once it has told the owner.

The rule files are read and compiled into closures once per execution environment (`rulebook()`); a typo in a
field name, an operator that does not suit a field or an unknown category fails the compilation, not a request."""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from insure import conditions, timestamps
from insure.data_files import data_dir
from insure.risk.facts import Facts

Audience = Literal["customer", "third_party"]
CATEGORIES = ("safety", "secure", "authorities", "document", "insurers", "information")
Category = Literal["safety", "secure", "authorities", "document", "insurers", "information"]
ACTIONS = ("owner_notified",)
"""Actions the platform records on an event that guidance may state (as `done.<action>`), once recorded."""
NEVER_EVALUATED = frozenset({"description"})


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
    applies: conditions.Predicate


def _kind(annotation: Any) -> str:
    return "flag" if annotation is bool or bool in get_args(annotation) else "text"


FIELD_KINDS: dict[str, str] = {
    **{name: _kind(info.annotation) for name, info in Facts.model_fields.items() if name not in NEVER_EVALUATED},
    **{f"done.{action}": "text" for action in ACTIONS},
}
"""Every field a guidance condition may read, with its kind (the operators that suit it follow from the kind)."""


def _always(facts: conditions.Facts) -> bool:
    return True


def compile_condition(spec: Mapping[str, Any] | None, where: str = "when") -> conditions.Predicate:
    """A guidance condition → a predicate over prepared facts (`prepare`), by the one condition compiler."""
    if spec is None:
        return _always
    try:
        return conditions.compile_condition(conditions.normalize(spec, FIELD_KINDS, where))
    except conditions.ConditionError as error:
        raise GuidanceRuleError(str(error)) from None


def prepare(facts: Mapping[str, Any], done: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The facts as conditions read them: known fields only, empty answers left out, text lower-cased, and each
    recorded action as `done.<action>`."""
    prepared: dict[str, Any] = {}
    for name, value in facts.items():
        if name in FIELD_KINDS and value is not None and value != "":
            prepared[name] = value.lower() if isinstance(value, str) else value
    for action, at in (done or {}).items():
        prepared[f"done.{action}"] = at
    return prepared


class _Done:
    """`{done.<action>}` in a rule's text: the time the action was recorded, in words ("3 December 2026, 10:08
    UTC"), as the deadlines are written."""

    def __init__(self, done: Mapping[str, str]) -> None:
        self._done = done

    def __getattr__(self, action: str) -> str:
        at = self._done[action]
        try:
            return _readable(timestamps.parse(at))
        except ValueError:
            return at  # recorded by the platform in its one format: not expected, but never a failed request


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _check_text(rule: _Rule, where: str) -> None:
    allowed = {"insurer", "deadline"} if rule.for_each == "insurer" else set()
    allowed |= {f"done.{action}" for action in ACTIONS}
    unknown = _placeholders(rule.text) - allowed
    if unknown:
        raise GuidanceRuleError(f"{where}.text: unknown placeholder(s) {sorted(unknown)}")
    needed = {name for name in _placeholders(rule.text) if name.startswith("done.")}
    read = conditions.fields_of(conditions.normalize(rule.when, FIELD_KINDS, where)) if rule.when else set()
    if not needed <= read:
        raise GuidanceRuleError(f"{where}.text: quotes {sorted(needed - read)} without its condition reading it")


@dataclass(frozen=True)
class Rulebook:
    """Compiled rules in evaluation order: category rank, then `order`, then file order."""

    rules: tuple[CompiledRule, ...]

    def evaluate(
        self,
        audience: Audience,
        facts: Mapping[str, Any],
        *,
        insurers: Iterable[InsurerDeadline] = (),
        occurred_at: datetime | None = None,
        done: Mapping[str, str] | None = None,
    ) -> list[GuidanceStep]:
        """The steps for `audience` given the facts and the actions the platform has recorded (`done`)."""
        prepared = prepare(facts, done)
        steps: list[GuidanceStep] = []
        for compiled in self.rules:
            rule = compiled.rule
            if audience not in rule.audience or not compiled.applies(prepared):
                continue
            if rule.for_each == "insurer":
                steps += [_insurer_step(rule, insurer, occurred_at) for insurer in insurers]
            else:
                text = rule.text.format(done=_Done(done or {})) if "{" in rule.text else rule.text
                steps.append(GuidanceStep(rule_id=rule.id, category=rule.category, text=text))
        return steps


def _insurer_step(rule: _Rule, insurer: InsurerDeadline, occurred_at: datetime | None) -> GuidanceStep:
    hours = insurer.reporting_deadline_hours
    if hours is None:
        deadline_text = "as soon as possible"
    elif occurred_at is not None:
        deadline_text = f"within {hours} hours (by {_readable(occurred_at + timedelta(hours=hours))})"
    else:
        deadline_text = f"within {hours} hours"
    text = rule.text.format(insurer=insurer.name, deadline=deadline_text)
    return GuidanceStep(rule_id=f"{rule.id}:{insurer.insurer_id}", category=rule.category, text=text)


def _readable(moment: datetime) -> str:
    """A moment as a person reads it in a message, in UTC (the platform does not know the reader's time zone):
    "25 November 2026, 08:00 UTC"."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y, %H:%M} UTC"


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
            _check_text(rule, f"{source}:{rule.id}")
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
