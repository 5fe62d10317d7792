"""Underwriting decisions per second on one core for a 50-rule rulebook: the compiled engine against a naive
interpreter of the same rules, over the same realistic mix of applications, in the same run."""

from __future__ import annotations

import datetime
import gc
import json
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from insure.products.models import ApplicationInput
from insure.products.rulebooks import parse_document, rulebook_files
from insure.underwriting import engine
from insure.underwriting.facts import item_facts, policy_facts

TODAY = datetime.date(2026, 11, 23)
APPLICATIONS = 2_000
ROUNDS = 15
TARGET = 100_000

BRANDS = ["Dell", "Apple", "Lenovo", "HP", "Microsoft", "Asus", "Acer", "Samsung", "Razer", "Fujitsu", "custom"]
MODELS = ["XPS 13", "MacBook Air", "ThinkPad X1", "EliteBook", "Surface Pro", "ZenBook", "Galaxy Tab", "Blade"]
STATES = ["NY", "CA", "TX", "OH", "WA", "NJ", "FL", "IL", "PA", "GA", "MA", "CO", "AZ"]
ACCESSORIES = ["monitor", "printer", "scanner", "external_drive", "docking_station", "ups", "mouse", "case"]
OCCUPATIONS = ["engineer", "teacher", "nurse", "student", "lawyer", "designer", "retired"]

EXTRA_RULES: list[dict[str, Any]] = [
    # bars
    {
        "id": "BX-B-GAMING-RIG",
        "description": "Gaming rigs over $8,000 need an appraisal.",
        "condition": {
            "all": [
                {"field": "item.brand", "op": "in", "value": ["razer", "alienware"]},
                {"field": "item.value", "op": "gt", "value": 8000},
            ]
        },
    },
    {
        "id": "BX-B-MANY-HANDHELDS",
        "description": "More than five handhelds look like a fleet.",
        "condition": {
            "all": [
                {"field": "item.kind", "op": "eq", "value": "handheld"},
                {"field": "policy.item_count", "op": "gt", "value": 5},
            ]
        },
    },
    {
        "id": "BX-B-STUDENT-HIGH-VALUE",
        "description": "Students insure up to $6,000 per system.",
        "condition": {
            "all": [
                {"field": "applicant.occupation", "op": "eq", "value": "student"},
                {"field": "item.value", "op": "gt", "value": 6000},
            ]
        },
    },
    {
        "id": "BX-B-OLD-PREMIUM",
        "description": "Premium brands over six years old are not insured.",
        "condition": {
            "all": [
                {"field": "item.brand", "op": "in", "value": ["apple", "microsoft"]},
                {"field": "item.age", "op": "ge", "value": 7},
            ]
        },
    },
    {
        "id": "BX-B-SENIOR-PORTABLE",
        "description": "Portables for applicants over 90 need a call.",
        "condition": {
            "all": [
                {"field": "applicant.age", "op": "gt", "value": 90},
                {"field": "item.kind", "op": "eq", "value": "portable"},
            ]
        },
    },
]
for index, (field, op, value, rate) in enumerate(
    [
        ("item.brand", "eq", "asus", "0.02"),
        ("item.brand", "eq", "acer", "0.03"),
        ("item.brand", "eq", "samsung", "0.04"),
        ("item.brand", "in", ["microsoft", "apple"], "0.05"),
        ("state", "in", ["TX", "FL", "LA"], "0.05"),
        ("state", "in", ["OH", "PA", "GA"], "-0.02"),
        ("state", "eq", "MA", "0.03"),
        ("state", "in", ["CO", "AZ"], "0.01"),
        ("item.value", "between", [1000, 2000], "0.02"),
        ("item.value", "between", [2000, 4000], "0.04"),
        ("item.value", "gt", 10000, "0.06"),
        ("item.value", "lt", 500, "0.08"),
        ("item.age", "eq", 2, "0.03"),
        ("item.age", "eq", 6, "0.05"),
        ("item.age", "between", [5, 7], "0.04"),
        ("applicant.age", "between", [25, 34], "0.02"),
        ("applicant.age", "between", [35, 54], "-0.03"),
        ("applicant.age", "ge", 70, "0.05"),
        ("applicant.occupation", "in", ["engineer", "designer"], "-0.02"),
        ("applicant.occupation", "eq", "student", "0.06"),
        ("applicant.occupation", "eq", "retired", "-0.04"),
        ("policy.item_count", "eq", 2, "-0.03"),
        ("policy.total_value", "gt", 20000, "0.05"),
        ("item.accessory_count", "eq", 0, "-0.01"),
    ]
):
    EXTRA_RULES.append(
        {
            "id": f"BX-F-{index:02d}",
            "description": f"{field} {op} {value}",
            "condition": {"field": field, "op": op, "value": value},
            "rate": rate,
        }
    )


def fifty_rule_rulebook() -> engine.CompiledRulebook:
    """The computer rulebook (21 rules) plus 29 more of the same shapes: 50 rules."""
    document = json.loads(rulebook_files()["computer"])
    document["version"] = "bench.50"
    document["bars"] += [r for r in EXTRA_RULES if "rate" not in r]
    document["rate_factors"] += [r for r in EXTRA_RULES if "rate" in r]
    count = len(document["bars"]) + len(document["rate_factors"])
    assert count == 50, count
    return engine.compile_rulebook(parse_document(json.dumps(document)))


def applications(count: int, seed: int = 7) -> list[ApplicationInput]:
    """A realistic mix: mostly one system, sometimes two or three; personal and business; a few declines."""
    rng = random.Random(seed)
    mix = []
    for n in range(count):
        items = [
            {
                "kind": rng.choices(["portable", "desktop", "handheld"], [6, 3, 2])[0],
                "brand": rng.choice(BRANDS),
                "model": rng.choice(MODELS),
                "purchase_year": rng.randint(2017, 2026),
                "value": f"{rng.randint(300, 9000)}.{rng.randint(0, 99):02d}",
                "accessories": rng.sample(ACCESSORIES, rng.randint(0, 3)),
                "theft_deterrent": rng.random() < 0.3,
            }
            for _ in range(rng.choices([1, 2, 3], [70, 20, 10])[0])
        ]
        state = rng.choice(STATES)
        address = {
            "line1": f"{n} Main St",
            "city": "Springfield",
            "state": state,
            "zip": f"{rng.randint(10000, 99999)}",
        }
        if rng.random() < 0.15:
            applicant: dict[str, Any] = {
                "company_name": f"Company {n}",
                "contact_name": "Pat Doe",
                "email": f"office{n}@example.com",
                "phone": f"+1212555{n % 10000:04d}",
                "address": address,
            }
            kind = "business"
        else:
            born = datetime.date(rng.randint(1935, 2008), rng.randint(1, 12), rng.randint(1, 28))
            applicant = {
                "first_name": "Sam",
                "last_name": f"Doe{n}",
                "date_of_birth": born.isoformat(),
                "email": "mortimer@duke.example" if rng.random() < 0.02 else f"sam{n}@example.com",
                "phone": f"+1646555{n % 10000:04d}",
                "occupation": rng.choice(OCCUPATIONS),
                "address": address,
            }
            kind = "personal"
        mix.append(
            ApplicationInput.model_validate(
                {"product": "computer", "state": state, "applicant_type": kind, "applicant": applicant, "items": items}
            )
        )
    return mix


def _rate(one: Callable[[Any], object], inputs: list[Any], chunk: int = 200) -> tuple[float, float]:
    """(inputs per CPU second, per wall second). The inputs are timed in chunks, each chunk ROUNDS times, and
    each chunk's best time counts: the machine is shared, so the least disturbed run of each chunk is the one
    that measures the code rather than the neighbours."""
    chunks = [inputs[i : i + chunk] for i in range(0, len(inputs), chunk)]
    best_cpu = [float("inf")] * len(chunks)
    best_wall = [float("inf")] * len(chunks)
    gc.collect()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            for n, part in enumerate(chunks):
                cpu, wall = time.process_time(), time.perf_counter()
                for x in part:
                    one(x)
                best_cpu[n] = min(best_cpu[n], time.process_time() - cpu)
                best_wall[n] = min(best_wall[n], time.perf_counter() - wall)
    finally:
        gc.enable()
    return len(inputs) / max(sum(best_cpu), 1e-9), len(inputs) / sum(best_wall)


def run() -> str:
    book = fifty_rule_rulebook()
    compiled = engine.Books(book, {"computer": book})
    naive = compiled.interpreted()
    mix = applications(APPLICATIONS)

    verdicts = [engine.evaluate(compiled, app, TODAY) for app in mix]
    same = [v.outcome() for v in verdicts] == [engine.evaluate(naive, app, TODAY).outcome() for app in mix]
    assert same
    approved = sum(v.approved for v in verdicts)
    items = sum(len(app.items) for app in mix)

    compiled_cpu, compiled_wall = _rate(lambda app: engine.evaluate(compiled, app, TODAY), mix)
    naive_cpu, naive_wall = _rate(lambda app: engine.evaluate(naive, app, TODAY), mix)

    prepared = [item_facts(item, policy_facts(app, TODAY), TODAY) for app in mix for item in app.items]
    rules_cpu, _ = _rate(book.matching, prepared)
    walked = naive.product
    rules_naive_cpu, _ = _rate(walked.matching, prepared)
    per_application = []
    position = 0
    for app in mix:
        entries = [(prepared[position + i], item.value) for i, item in enumerate(app.items)]
        per_application.append((entries, engine.identity_keys(app.applicant)))
        position += len(app.items)
    core = [engine.decide_on_facts(book, entries, keys) for entries, keys in per_application]
    expected = [(v.approved, sum((line.premium for line in v.items), Decimal(0))) for v in verdicts]
    assert core == expected
    core_cpu, core_wall = _rate(lambda pair: engine.decide_on_facts(book, *pair), per_application)
    core_naive_cpu, _ = _rate(lambda pair: engine.decide_on_facts(walked, *pair), per_application)
    full_cpu, _ = _rate(lambda app: engine.decide(compiled, app, today=TODAY), mix)

    sets = (book.policy_rules, book.item_rules)
    indexed = sum(len(cell[1]) + len(cell[2]) + len(cell[3]) for rs in sets for _, t in rs.index for cell in t.values())
    regions = sum(len(regions) for rs in sets for *_, regions in rs.ranges)
    residual = sum(len(rs.residual) for rs in sets)
    policy_lookups = len(book.policy_rules.index) + len(book.policy_rules.ranges)
    item_lookups = len(book.item_rules.index) + len(book.item_rules.ranges)

    lines = [
        f"rulebook: 50 rules ({len(book.bars)} bars, {len(book.rate_factors)} rate factors); "
        f"{len(mix)} applications, {items} items, {approved} approved",
        f"compiled engine: {compiled_cpu:,.0f} decisions/s per CPU second ({compiled_wall:,.0f} wall)",
        f"naive interpreter: {naive_cpu:,.0f} decisions/s per CPU second ({naive_wall:,.0f} wall)",
        f"ratio compiled / naive: {compiled_cpu / naive_cpu:.1f}x",
        f"rulebook decision on prepared facts: compiled {core_cpu:,.0f} decisions/s ({core_wall:,.0f} wall), "
        f"naive {core_naive_cpu:,.0f} ({core_cpu / core_naive_cpu:.1f}x)",
        f"rule matching alone (facts prepared): compiled {rules_cpu:,.0f} items/s, naive {rules_naive_cpu:,.0f} "
        f"items/s ({rules_cpu / rules_naive_cpu:.1f}x)",
        f"full API decision (pydantic Decision with reasons and breakdown): {full_cpu:,.0f} decisions/s",
    ]
    for line in lines:
        print(line, flush=True)
    target = "meets" if core_cpu >= TARGET else "misses"
    return "\n".join(
        [
            "## Underwriting engine",
            "",
            "`python -m benchmarks underwriting`: the computer rulebook extended to 50 rules (10 bars, 40 rate "
            f"factors), a seeded realistic mix of {len(mix)} validated applications ({items} items: mostly one "
            "system, some two or three, 15% businesses, a few on the debtors list), one process, one core, best "
            f"of {ROUNDS} runs of each chunk of 200, in CPU time (the machine is shared; wall time alongside). The "
            "compiled engine and the naive interpreter of the same rules run in the same process on the same mix "
            "and return identical verdicts for all of it (checked in the run).",
            "",
            "| what is timed | compiled | naive interpreter | ratio |",
            "|---|---:|---:|---:|",
            f"| **decision on prepared facts**: identity lists, every bar and rate factor, multiplier, premium "
            f"per item (Decimal), approval | **{core_cpu:,.0f}/s** ({core_wall:,.0f} wall) | {core_naive_cpu:,.0f}/s "
            f"| {core_cpu / core_naive_cpu:.1f}x |",
            f"| end to end from a validated application: + intake (states, limits), facts built from the models, "
            f"per-item verdicts | {compiled_cpu:,.0f}/s ({compiled_wall:,.0f} wall) | {naive_cpu:,.0f}/s | "
            f"{compiled_cpu / naive_cpu:.1f}x |",
            f"| rule matching alone, per item | {rules_cpu:,.0f}/s | {rules_naive_cpu:,.0f}/s | "
            f"{rules_cpu / rules_naive_cpu:.1f}x |",
            f"| the API's `Decision` (pydantic, reasons and breakdown) | {full_cpu:,.0f}/s | | |",
            "",
            f"- Target ≥ {TARGET:,} decisions/s for a 50-rule rulebook: the decision on prepared facts {target} it. "
            "Building facts from the pydantic models and the intake checks cost more than the 50 rules themselves, "
            "and building the response model costs more again.",
            f"- Compiled, the 50 rules are {policy_lookups} lookups per application (rules on policy facts) and "
            f"{item_lookups} per item ({indexed} rule entries in equality hash tables, {regions} numeric regions "
            f"found by bisection), and {residual} rules evaluated one by one; each table cell carries the "
            "pre-summed rate (integer millionths) of the rules it settles. The naive interpreter walks each rule's "
            "JSON condition on every evaluation.",
            "",
        ]
    )


if __name__ == "__main__":
    run()
