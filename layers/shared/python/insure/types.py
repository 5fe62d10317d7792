"""Reusable constrained types, defined once (API, domain and stored models all use these)."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from insure.timestamps import rfc3339

US_STATES = frozenset(
    (
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
        "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
    ).split()
)


STATE_PATTERN = "^(?:" + "|".join(f"[{s[0]}{s[0].lower()}][{s[1]}{s[1].lower()}]" for s in sorted(US_STATES)) + ")$"
"""A US state code in either case (`NY`, `ny`), as published: exactly the codes `_state` accepts."""


def _state(value: str) -> str:
    value = value.upper()
    if value not in US_STATES:
        raise ValueError("must be a two-letter US state code")
    return value


StateCode = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_state),
    Field(json_schema_extra={"pattern": STATE_PATTERN}),
]
CENT = Decimal("0.01")


MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
"""A money amount as clients send it: ASCII digits, at most 12 before the point and 2 after; no sign, exponent,
spaces or other digits (full-width digits are digits to Python's `Decimal`, not to us)."""
_MONEY = re.compile(MONEY_PATTERN)


def _amount(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # built in code (never from JSON, whose numbers arrive as float or int)
        if value.is_finite() and value >= 0 and _MONEY.fullmatch(format(value, "f")):
            return value.quantize(CENT)
        raise ValueError("must be a non-negative amount with at most 12 digits and 2 decimal places")
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "1500.00", not a number')
    if not _MONEY.fullmatch(value):
        raise ValueError('must be a decimal string such as "1500.00": digits, at most 2 decimal places')
    return Decimal(value).quantize(CENT)


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1500.00"]}),
]
"""Money input: a decimal string (`"1500.00"`), never a float, read as a `Decimal` with two places."""

UNSAFE_IN_TEXT = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
UNSAFE_IN_MULTILINE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
TEXT_PATTERN = f"^[^{UNSAFE_IN_TEXT}]*$"
MULTILINE_PATTERN = f"^[^{UNSAFE_IN_MULTILINE}]*$"
_UNSAFE_TEXT = re.compile(f"[{UNSAFE_IN_TEXT}]")
_UNSAFE_MULTILINE = re.compile(f"[{UNSAFE_IN_MULTILINE}]")


def _text(value: str) -> str:
    if _UNSAFE_TEXT.search(value):
        raise ValueError("must not contain control characters (NUL, line breaks, ...) or bidirectional overrides")
    return value


def _multiline(value: str) -> str:
    if _UNSAFE_MULTILINE.search(value):
        raise ValueError("must not contain control characters (NUL, ...) or bidirectional overrides")
    return value


Text = Annotated[str, AfterValidator(_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""Free text that ends up on a policy, a claim or a message: one line, no control characters (NUL, C0, C1), no
bidirectional overrides or isolates (which make text read otherwise than it is stored)."""

MultilineText = Annotated[str, AfterValidator(_multiline), Field(json_schema_extra={"pattern": MULTILINE_PATTERN})]
"""`Text` that may also hold line breaks and tabs (descriptions, notes)."""

OpaqueId = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""An identifier the platform or the card processor issued (a quote id, a payment token): checked text, 1-100."""

# Spaces written out (JSON Schema's `\s` and Python's differ: U+FEFF is one only to the first).
_NOT_IN_EMAIL = UNSAFE_IN_TEXT + r" @\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
EMAIL_PATTERN = f"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\\.[^{_NOT_IN_EMAIL}]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address such as ada@example.com, without spaces or control characters")
    return value


Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    Field(description="An e-mail address", json_schema_extra={"pattern": EMAIL_PATTERN}),
]
"""An e-mail address: one `@`, a dot in the domain, no spaces, control characters or bidi overrides. The published
pattern is exactly what is accepted, and nothing else is published: `format: email` would promise RFC 5321's
grammar (ASCII only, no `..`), which validators enforce and the platform does not (it accepts `ěß@ä.example`)."""

CONTACT_EMAIL_PATTERN = f"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+$"
_CONTACT_EMAIL = re.compile(CONTACT_EMAIL_PATTERN)


def _contact_email(value: str) -> str:
    if not _CONTACT_EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address such as sales@insurer.example, no spaces or control characters")
    return value


ContactEmail = Annotated[
    str,
    StringConstraints(min_length=3, max_length=320),
    AfterValidator(_contact_email),
    Field(description="An e-mail address", json_schema_extra={"pattern": CONTACT_EMAIL_PATTERN}),
]
"""A partner's e-mail address as registered (an insurer's salesperson): `Email` without the dot in the domain."""


def _text_tree(value: Any) -> Any:
    """Every string in a JSON value (keys included) checked as `MultilineText`."""
    if isinstance(value, str):
        return _multiline(value)
    if isinstance(value, dict):
        for key, inner in value.items():
            _multiline(str(key))
            _text_tree(inner)
    elif isinstance(value, list):
        for inner in value:
            _text_tree(inner)
    return value


TextTree = Annotated[dict[str, Any], AfterValidator(_text_tree)]
"""A free-form JSON object kept on a record (a filed claim's facts, location, insured, object, reporter): no string
in it, at any depth, holds a control character other than a line break or tab, or a bidirectional override."""


class Money(BaseModel):
    """`{"amount": "123.45", "currency": "USD"}`: a decimal string, never a float."""

    model_config = ConfigDict(frozen=True)

    amount: Annotated[str, Field(pattern=MONEY_PATTERN, examples=["123.45"])]
    currency: Literal["USD"] = "USD"

    @classmethod
    def of(cls, value: Decimal) -> Money:
        return cls(amount=str(value.quantize(CENT, rounding=ROUND_HALF_UP)))

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount)


Timestamp = Annotated[
    datetime.datetime,
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-12-01T05:00:00Z"]}, mode="serialization"
    ),
]
"""A time in a response: serialized by the one timestamp helper (`2026-12-01T05:00:00Z`)."""
