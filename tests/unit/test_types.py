"""The reusable input types: money as a decimal string, free text without control characters or bidi overrides."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from insure.types import MONEY_PATTERN, TEXT_PATTERN, Amount, MultilineText, Text

AMOUNT = TypeAdapter(Amount)
TEXT = TypeAdapter(Text)
MULTILINE = TypeAdapter(MultilineText)


@pytest.mark.parametrize(("sent", "read"), [("1500.00", "1500.00"), ("1500", "1500.00"), ("0.5", "0.50")])
def test_money_is_a_decimal_string_read_with_two_places(sent, read):
    assert AMOUNT.validate_python(sent) == Decimal(read)
    assert str(AMOUNT.validate_json(f'"{sent}"')) == read


@pytest.mark.parametrize(
    "sent",
    ["1e30", "1E2", 1e308, 1500.0, 1500, True, "+1", "-1", "１２３", "1.234", "1234567890123", " 12", "", "NaN"],
)
def test_money_refuses_numbers_exponents_signs_other_digits_and_too_many_digits(sent):
    with pytest.raises(ValidationError) as refused:
        AMOUNT.validate_python(sent)
    assert refused.value.errors()[0]["type"] == "value_error"


def test_money_refuses_json_numbers_too():
    for sent in ("1e308", "1500", "1500.5"):
        with pytest.raises(ValidationError):
            AMOUNT.validate_json(sent)


def test_the_published_schema_says_what_is_accepted():
    schema = AMOUNT.json_schema()
    assert schema["type"] == "string" and schema["pattern"] == MONEY_PATTERN
    assert not re.fullmatch(MONEY_PATTERN, "１２３")


@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b", "a\x85b", "evil\u202etxt.exe", "a\u2066b", "line\nbreak", "a\rb"])
def test_text_refuses_nul_control_characters_and_bidi_overrides(bad):
    with pytest.raises(ValidationError):
        TEXT.validate_python(bad)
    assert not re.fullmatch(TEXT_PATTERN, bad)


def test_text_keeps_ordinary_writing_of_any_script():
    for good in ("Ada Lovelace", "Zoë Ñúñez", "山田太郎", "שלום", "O'Brien & Sons, Inc."):
        assert TEXT.validate_python(good) == good
        assert re.fullmatch(TEXT_PATTERN, good)


def test_multiline_text_allows_line_breaks_and_tabs_only():
    assert MULTILINE.validate_python("first line\nsecond\tline\r\n") == "first line\nsecond\tline\r\n"
    for bad in ("a\x00b", "a\x1bb", "a\u202eb"):
        with pytest.raises(ValidationError):
            MULTILINE.validate_python(bad)


def test_every_free_text_field_of_the_request_models_refuses_control_characters():
    from insure.applications.models import ApplicationRequest
    from insure.risk.facts import Facts
    from insure.routes.backoffice import RegisterDevice, RegisterTag
    from insure.routes.insurers import RegisterInsurer
    from insure.routes.policy_tags import AddPolicy
    from insure.routes.risk import ReportRiskEvent, ScanRequest

    unchecked = []
    models = (
        ApplicationRequest,
        Facts,
        RegisterDevice,
        RegisterTag,
        RegisterInsurer,
        ReportRiskEvent,
        ScanRequest,
        AddPolicy,  # its fields end up on the object's tag (a fuzzed control character was a 500 there)
    )
    for model in models:
        unchecked += [f"{model.__name__}.{path}" for path in _free_text_fields(model.model_json_schema())]
    assert unchecked == []


def _free_text_fields(schema: dict) -> list[str]:
    """Paths of string properties with neither a pattern, a format nor an enum (free text left unchecked)."""
    defs = schema.get("$defs", {})
    found: list[str] = []

    def walk(node: dict, path: str, seen: frozenset[str]) -> None:
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs[name], path, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                walk(option, path, seen)
        if node.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & node.keys()):
            found.append(path)
        for name, prop in node.get("properties", {}).items():
            walk(prop, f"{path}.{name}" if path else name, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", seen)

    walk(schema, "", frozenset())
    return found
