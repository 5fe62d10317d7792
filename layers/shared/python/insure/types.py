"""Reusable constrained types, defined once (API, domain and stored models all use these)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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


StateCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2), AfterValidator(_state)]
CENT = Decimal("0.01")


def _amount(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    if value != value.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return value.quantize(CENT)


Amount = Annotated[Decimal, AfterValidator(_amount), Field(max_digits=14)]


class Money(BaseModel):
    """`{"amount": "123.45", "currency": "USD"}`: a decimal string, never a float."""

    model_config = ConfigDict(frozen=True)

    amount: Annotated[str, Field(pattern=r"^\d{1,12}(\.\d{1,2})?$", examples=["123.45"])]
    currency: Literal["USD"] = "USD"

    @classmethod
    def of(cls, value: Decimal) -> Money:
        return cls(amount=str(value.quantize(CENT, rounding=ROUND_HALF_UP)))

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount)
