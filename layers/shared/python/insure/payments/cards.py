"""Checks of a card as typed (Luhn, expiry, CVC) before it goes anywhere; pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from insure.errors import FieldError

MIN_PAN_DIGITS = 12
MAX_PAN_DIGITS = 19


@dataclass(frozen=True)
class Card:
    """A card as the person entered it. Never stored, never logged (its repr hides the number and CVC)."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder: str = ""

    def __repr__(self) -> str:
        return f"Card(brand={brand_of(self.number)!r}, last4={self.number[-4:]!r}, ...)"

    __str__ = __repr__


def digits_only(number: str) -> str:
    return "".join(ch for ch in number if not ch.isspace() and ch != "-")


def luhn_valid(number: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    if not number.isdigit() or not MIN_PAN_DIGITS <= len(number) <= MAX_PAN_DIGITS:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    """The card brand from its leading digits (enough for display; the processor has the last word)."""
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (number[:4].isdigit() and 2221 <= int(number[:4]) <= 2720):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith("6011") or number.startswith("65"):
        return "discover"
    return "unknown"


def expired(exp_month: int, exp_year: int, today: dt.date) -> bool:
    """A card is valid through the last day of its expiry month."""
    return (exp_year, exp_month) < (today.year, today.month)


def problems(card: Card, *, today: dt.date | None = None, prefix: str = "card") -> list[FieldError]:
    """Every problem with `card`, as field errors the person can correct (empty when the card may be tried)."""
    from insure import timestamps

    today = today or timestamps.today()
    errors: list[FieldError] = []
    number = digits_only(card.number)
    if not luhn_valid(number):
        errors.append(FieldError(f"{prefix}.number", "This is not a valid card number."))
    if not 1 <= card.exp_month <= 12:
        errors.append(FieldError(f"{prefix}.exp_month", "The expiry month must be between 1 and 12."))
    elif expired(card.exp_month, card.exp_year, today):
        errors.append(FieldError(f"{prefix}.exp_year", "The card has expired."))
    cvc_length = 4 if brand_of(number) == "amex" else 3
    if not (card.cvc.isdigit() and len(card.cvc) == cvc_length):
        errors.append(FieldError(f"{prefix}.cvc", f"The security code must be {cvc_length} digits."))
    return errors
