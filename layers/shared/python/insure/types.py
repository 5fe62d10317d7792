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


def _state(value: str) -> str:
    value = value.upper()
    if value not in US_STATES:
        raise ValueError("must be a two-letter US state code")
    return value


StateCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_state),
    Field(json_schema_extra={"pattern": "^[A-Za-z]{2}$"}),
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
