"""The underwriting engine on in-memory rulebooks: arithmetic, bars, limits, states, lists, narrative fields,
and the compiled rulebook against the naive interpreter."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from insure.errors import RuleViolation
from insure.products.models import ApplicationInput, QuoteRequest
from insure.products.rulebooks import RulebookDocument, parse_document, rulebook_files
from insure.underwriting import engine

TODAY = datetime.date(2026, 11, 23)
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)


def rulebook(**changes) -> engine.CompiledRulebook:
    document = {
        "product": "computer",
        "version": "test.1",
        "title": "Computer equipment",
        "description": "test",
        "base_rate": "0.04",
        "applicant_types": ["personal", "business"],
        "approved_states": ["NY", "NJ", "CA"],
        "max_item_value": "10000.00",
        "max_insured_value": "15000.00",
        "bars": [],
        "rate_factors": [],
        "frequent_claimants": [],
        "delinquent_debtors": [],
        **changes,
    }
    return engine.compile_rulebook(RulebookDocument.model_validate(document))


def books(book: engine.CompiledRulebook) -> engine.Books:
    return engine.Books(book, {book.product: book})


def applicant(**changes) -> dict:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1985-12-10",
        "email": "ada@example.com",
        "phone": "+12125550100",
        "occupation": "engineer",
        "address": {"line1": "1 Main St", "city": "New York", "state": "NY", "zip": "10001"},
        **changes,
    }


def laptop(**changes) -> dict:
    return {
        "kind": "portable",
        "brand": "Dell",
        "model": "XPS 13",
        "purchase_year": 2025,
        "value": "1500.00",
        **changes,
    }


def application(items=None, state="NY", **changes) -> ApplicationInput:
    return ApplicationInput.model_validate(
        {
            "product": "computer",
            "state": state,
            "applicant_type": "personal",
            "applicant": applicant(),
            "items": items or [laptop()],
            **changes,
        }
    )


PORTABLE = {
    "id": "T-PORTABLE",
    "description": "portable",
    "condition": {"field": "item.kind", "op": "eq", "value": "portable"},
    "rate": "0.25",
}
DELL = {
    "id": "T-DELL",
    "description": "dell",
    "condition": {"field": "item.brand", "op": "eq", "value": "dell"},
    "rate": "-0.05",
}
NEVER = {
    "id": "T-NEVER",
    "description": "never",
    "condition": {"field": "item.kind", "op": "eq", "value": "handheld"},
    "rate": "0.40",
}


def test_multiplier_is_one_plus_the_applicable_rates_and_premium_is_multiplier_times_base_times_value():
    # Given two factors that apply and one that does not
    book = rulebook(rate_factors=[PORTABLE, DELL, NEVER])
    # When a $1,500 Dell portable is underwritten
    decision = engine.decide(books(book), application(), today=TODAY, now=NOW)
    # Then the multiplier is 1 + 0.25 - 0.05 and the premium 1.20 × 0.04 × 1500
    assert decision.approved
    assert Decimal(decision.multiplier) == Decimal("1.20")
    assert decision.premium is not None and decision.premium.amount == "72.00"
    assert [r.rule_id for r in decision.reasons] == ["T-PORTABLE", "T-DELL"]
    assert decision.rulebook_version == "computer@test.1"
    assert decision.breakdown[0].rule_ids == ["T-PORTABLE", "T-DELL"]


VALUES = st.decimals(min_value=Decimal("150.00"), max_value=Decimal("4000.00"), places=2)
RATES = st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("2"), places=3)


@settings(max_examples=150, deadline=None)
@example(values=[Decimal("150.00")], rates=[Decimal("-0.001"), Decimal("-0.5"), Decimal("-0.5")], base=Decimal("0.001"))
@given(
    values=st.lists(VALUES, min_size=1, max_size=3),
    rates=st.lists(RATES, min_size=1, max_size=6),
    base=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.2"), places=4),
)
def test_premium_is_the_sum_of_each_items_rounded_premium(values, rates, base):
    factors = [
        {
            "id": f"T-F{i}",
            "description": "always",
            "condition": {"field": "item.value", "op": "gt", "value": 0},
            "rate": str(r),
        }
        for i, r in enumerate(rates)
    ]
    book = rulebook(rate_factors=factors, base_rate=str(base), max_insured_value="100000.00")
    items = [laptop(value=str(v)) for v in values]
    multiplier = 1 + sum(rates)
    decision = engine.decide(books(book), application(items=items), today=TODAY, now=NOW)
    if multiplier <= 0:
        # a multiplier ≤ 0 is never offered
        assert not decision.approved and decision.premium is None
        assert decision.reasons[0].rule_id == engine.MULTIPLIER_RULE
        return
    expected = sum((multiplier * base * v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for v in values)
    assert decision.approved
    assert decision.premium is not None and Decimal(decision.premium.amount) == expected
    assert all(Decimal(line.multiplier) == multiplier for line in decision.breakdown)


@settings(max_examples=100, deadline=None)
@given(rates=st.lists(RATES, max_size=5), value=VALUES)
def test_an_applicable_bar_declines_whatever_the_rate_factors(rates, value):
    factors = [
        {
            "id": f"T-F{i}",
            "description": "f",
            "condition": {"field": "item.kind", "op": "eq", "value": "portable"},
            "rate": str(r),
        }
        for i, r in enumerate(rates)
    ]
    bar = {
        "id": "T-BAR",
        "description": "Portables are barred.",
        "condition": {"field": "item.kind", "op": "eq", "value": "portable"},
    }
    book = rulebook(rate_factors=factors, bars=[bar])
    decision = engine.decide(books(book), application(items=[laptop(value=str(value))]), today=TODAY, now=NOW)
    assert not decision.approved
    assert decision.premium is None
    assert decision.reasons[0].rule_id == "T-BAR" and decision.reasons[0].kind == "bar"


def test_a_quote_refusal_reads_as_words_without_rule_ids():
    bar = {
        "id": "T-BAR",
        "description": "Portables are barred.",
        "condition": {"field": "item.kind", "op": "eq", "value": "portable"},
    }
    request = QuoteRequest(product="computer", state="NY", items=[laptop()])
    with pytest.raises(RuleViolation) as barred:
        engine.price(books(rulebook(bars=[bar])), request, today=TODAY)
    assert [(e.field, e.message) for e in barred.value.errors] == [("items[0]", "Portables are barred.")]
    free = {"id": "T-FREE", "description": "free", "condition": bar["condition"], "rate": "-1"}
    with pytest.raises(RuleViolation) as unpriced:
        engine.price(books(rulebook(rate_factors=[free])), request, today=TODAY)
    message = unpriced.value.errors[0].message
    assert engine.MULTIPLIER_RULE not in message and "T-FREE" not in message
    assert message == "The rate factors leave no positive premium, so no policy can be offered."


def test_a_non_positive_multiplier_is_never_offered_nor_quoted():
    cheap = {
        "id": "T-FREE",
        "description": "free",
        "condition": {"field": "item.kind", "op": "eq", "value": "portable"},
        "rate": "-1",
    }
    book = rulebook(rate_factors=[cheap])
    decision = engine.decide(books(book), application(), today=TODAY, now=NOW)
    assert not decision.approved and decision.premium is None
    assert [r.rule_id for r in decision.reasons] == [engine.MULTIPLIER_RULE]
    assert decision.breakdown[0].rule_ids == ["T-FREE"]
    with pytest.raises(RuleViolation) as refused:
        engine.price(books(book), QuoteRequest(product="computer", state="NY", items=[laptop()]), today=TODAY)
    assert refused.value.errors[0].field == "items[0]"


def test_intake_refuses_a_state_outside_the_approved_list():
    with pytest.raises(RuleViolation) as refused:
        engine.check_intake(books(rulebook()), application(state="TX"), TODAY)
    assert [e.field for e in refused.value.errors] == ["state"]
    # in words a person reads: states by name, not postal codes
    assert refused.value.errors[0].message == (
        "Computer equipment is not sold in Texas; it is sold in California, New Jersey and New York."
    )


def test_intake_refuses_a_value_over_the_item_limit_and_over_the_insured_limit():
    book = rulebook()
    with pytest.raises(RuleViolation) as refused:
        engine.check_intake(books(book), application(items=[laptop(value="10000.01")]), TODAY)
    assert [e.field for e in refused.value.errors] == ["items[0].value"]
    assert refused.value.errors[0].message == "$10,000.01 is over the $10,000.00 limit per item for computer equipment."
    # Two items within the item limit whose sum crosses the $15,000 per-insured limit: the second is named
    items = [laptop(value="9000.00"), laptop(value="7000.00")]
    with pytest.raises(RuleViolation) as refused:
        engine.check_intake(books(book), application(items=items), TODAY)
    assert [e.field for e in refused.value.errors] == ["items[1].value"]
    assert "$16,000.00" in refused.value.errors[0].message
    engine.check_intake(books(book), application(items=[laptop(value="10000.00"), laptop(value="5000.00")]), TODAY)


def test_intake_failure_at_decision_time_declines_with_the_field_as_reason():
    decision = engine.decide(books(rulebook()), application(state="TX"), today=TODAY, now=NOW)
    assert not decision.approved
    assert decision.reasons[0].rule_id == "INTAKE-state" and decision.reasons[0].kind == "intake"


def test_intake_refuses_an_applicant_type_the_product_does_not_take():
    book = rulebook(applicant_types=["business"])
    with pytest.raises(RuleViolation) as refused:
        engine.check_intake(books(book), application(), TODAY)
    assert [e.field for e in refused.value.errors] == ["applicant_type"]


LISTS = {
    "frequent_claimants": [{"id": "FC-1", "name": "Wile E. Coyote", "date_of_birth": "1949-09-17"}],
    "delinquent_debtors": [
        {"id": "DD-1", "email": "Mortimer@Duke.example"},
        {"id": "DD-2", "phone": "(215) 555-0142"},
        {"id": "DD-3", "company_name": "Duke & Duke Commodities"},
    ],
}


@pytest.mark.parametrize(
    ("who", "rule_id"),
    [
        ({"first_name": "wile e", "last_name": "COYOTE", "date_of_birth": "1949-09-17"}, "LIST-FREQUENT-CLAIMANT-FC-1"),
        ({"email": "mortimer@duke.example"}, "LIST-DELINQUENT-DEBTOR-DD-1"),
        ({"phone": "+1 215 555 0142"}, "LIST-DELINQUENT-DEBTOR-DD-2"),
    ],
)
def test_an_applicant_on_a_list_is_declined_with_the_list_entry(who, rule_id):
    book = rulebook(**LISTS)
    app = application(applicant=applicant(**who))
    decision = engine.decide(books(book), app, today=TODAY, now=NOW)
    assert not decision.approved
    assert rule_id in [r.rule_id for r in decision.reasons]


def test_a_business_on_the_debtors_list_is_declined_and_a_namesake_with_another_birth_date_is_not():
    book = rulebook(**LISTS)
    business = ApplicationInput.model_validate(
        {
            "product": "computer",
            "state": "NY",
            "applicant_type": "business",
            "applicant": {
                "company_name": "DUKE AND DUKE commodities".replace("AND", "&"),
                "contact_name": "Randolph",
                "email": "r@example.com",
                "phone": "+12125550111",
                "address": {"line1": "1 Wall St", "city": "New York", "state": "NY", "zip": "10005"},
            },
            "items": [laptop()],
        }
    )
    assert "LIST-DELINQUENT-DEBTOR-DD-3" in [
        r.rule_id for r in engine.decide(books(book), business, today=TODAY).reasons
    ]
    namesake = application(applicant=applicant(first_name="Wile E.", last_name="Coyote", date_of_birth="1990-01-01"))
    assert engine.decide(books(book), namesake, today=TODAY).approved


NARRATIVE = st.text(  # what a narrative field accepts: no control characters, no bidi overrides (insure.types)
    alphabet=st.characters(
        exclude_categories=("Cc", "Cs"), exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    ),
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(description=NARRATIVE, notes=NARRATIVE)
def test_narrative_fields_never_change_a_decision(description, notes):
    real = engine.compile_rulebook(parse_document(rulebook_files()["computer"]))
    plain = engine.decide(books(real), application(), today=TODAY, now=NOW)
    told = engine.decide(books(real), application(items=[laptop(description=description)]), today=TODAY, now=NOW)
    assert told == plain
    medical = {
        "product": "major_medical",
        "state": "OH",
        "items": [{"value": "100000.00", "medical_history": {"diabetes": True, "notes": notes}}],
        "date_of_birth": "1980-01-01",
    }
    book = engine.compile_rulebook(parse_document(rulebook_files()["major_medical"]))
    quiet = {**medical, "items": [{"value": "100000.00", "medical_history": {"diabetes": True}}]}
    assert engine.price(books(book), QuoteRequest.model_validate(medical), today=TODAY) == engine.price(
        books(book), QuoteRequest.model_validate(quiet), today=TODAY
    )


def test_every_stored_rulebook_compiles_and_names_its_rules_uniquely():
    for product, text in rulebook_files().items():
        book = engine.compile_rulebook(parse_document(text))
        assert book.product == product
        assert book.rate_factors, product
        ids = [r.rule_id for r in book.bars + book.rate_factors]
        assert len(ids) == len(set(ids))


COMPUTER_ITEMS = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["desktop", "portable", "handheld"]),
        "brand": st.sampled_from(["Dell", "Apple", "Lenovo", "HP", "Razer", "Acme", "custom"]),
        "purchase_year": st.integers(2015, 2026),
        "value": st.decimals(min_value=Decimal("100"), max_value=Decimal("9000"), places=2).map(str),
        "accessories": st.lists(
            st.sampled_from(["monitor", "printer", "ups", "mouse", "case"]), max_size=4, unique=True
        ),
        "theft_deterrent": st.booleans(),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(COMPUTER_ITEMS, min_size=1, max_size=4),
    state=st.sampled_from(["NY", "TX", "OH", "CA", "WA"]),
    born=st.dates(datetime.date(1940, 1, 1), datetime.date(2010, 1, 1)),
    business=st.booleans(),
)
def test_the_compiled_rulebook_decides_exactly_as_the_naive_interpreter(items, state, born, business):
    real = books(engine.compile_rulebook(parse_document(rulebook_files()["computer"])))
    app = application(items=items, state=state, applicant=applicant(date_of_birth=born.isoformat()))
    if business:
        app = app.model_copy(update={"applicant_type": "business"})
    compiled = engine.decide(real, app, today=TODAY, now=NOW)
    naive = engine.decide(real.interpreted(), app, today=TODAY, now=NOW)
    assert compiled == naive


def real_books(product: str, coverages: list[str]) -> engine.Books:
    files = rulebook_files()
    return engine.books_for(lambda p: engine.compile_rulebook(parse_document(files[p])), product, coverages)


def test_the_quote_and_the_final_premium_come_from_the_same_criteria():
    books_ = real_books("computer", ["computer"])
    items = [laptop(), laptop(kind="desktop", brand="HP", accessories=["ups", "monitor"], value="900.00")]
    app = application(items=items)
    quoted = engine.price(books_, QuoteRequest.from_application(app), today=TODAY)
    decided = engine.decide(books_, app, today=TODAY, now=NOW)
    assert decided.approved
    assert decided.premium == quoted.premium
    assert decided.breakdown == quoted.breakdown


def test_a_bundle_prices_each_item_by_its_coverage_and_adds_the_bundle_factors():
    home = {
        "coverage": "property",
        "construction": "masonry",
        "occupancy": "owner_occupied",
        "fire_protection": "hydrant_and_station",
        "year_built": 1990,
        "value": "300000.00",
    }
    app = ApplicationInput.model_validate(
        {
            "product": "bundle",
            "state": "OH",
            "applicant_type": "personal",
            "applicant": applicant(),
            "items": [{**laptop(), "coverage": "computer"}, home],
        }
    )
    books_ = real_books("bundle", app.coverages())
    decision = engine.decide(books_, app, today=TODAY, now=NOW)
    assert decision.approved, decision.reasons
    stored = {p: parse_document(rulebook_files()[p]).version for p in ("bundle", "computer", "property")}
    assert decision.rulebook_versions == stored
    computer, building = decision.breakdown
    assert (computer.base_rate, building.base_rate) == ("0.035", "0.0042")
    applied = {r.rule_id for r in decision.reasons}
    assert {"BND-F-TWO-COVERAGES", "BND-F-HOME-AND-CONTENTS", "PRP-F-MASONRY", "CMP-F-PORTABLE"} <= applied
    # one coverage only is not a bundle
    single = app.model_copy(update={"items": [app.items[0]]})
    assert "BND-B-SINGLE-COVERAGE" in [r.rule_id for r in engine.decide(books_, single, today=TODAY).reasons]


def test_a_business_cannot_buy_a_personal_coverage_in_a_bundle():
    app = ApplicationInput.model_validate(
        {
            "product": "bundle",
            "state": "OH",
            "applicant_type": "business",
            "applicant": {
                "company_name": "Initech",
                "contact_name": "Bill",
                "email": "bill@initech.example",
                "phone": "+15125550100",
                "address": {"line1": "1 Office Park", "city": "Austin", "state": "TX", "zip": "78701"},
            },
            "items": [{**laptop(), "coverage": "computer"}, {"coverage": "accidental_death", "value": "100000.00"}],
        }
    )
    with pytest.raises(RuleViolation) as refused:
        engine.check_intake(real_books("bundle", app.coverages()), app, TODAY)
    assert [e.field for e in refused.value.errors] == ["items[1].coverage"]
