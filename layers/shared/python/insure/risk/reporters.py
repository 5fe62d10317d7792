"""Who is reporting: the person on site compared with the customer's private information.

A reporter is the customer when something only the customer is expected to know matches: the phone number or
the e-mail address on file, or the name together with a private detail (date of birth, last four digits of the
phone, postal code). A name alone never identifies the customer (names are neither unique nor secret), and a
report that carries no identifying information at all (an anonymous scan) is treated as a third party's: the
platform cannot tell, and the third-party branch is the safe one (the customer is still told, via their own
event)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from insure.types import Text

MIN_PHONE_DIGITS = 7
SHARE_CONTACT = (
    "Whether the person reporting agrees that their phone number and e-mail address are passed to the insurers of "
    "the object with the claim; without it, a third party's contact stays with the platform and the owner"
)


class CustomerIdentity(BaseModel):
    """The customer's contact and private information kept on a tag (never returned by the API)."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    date_of_birth: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["1985-12-10"])
    postal_code: Text | None = Field(None, max_length=16)


class ReporterIdentity(BaseModel):
    """What the person reporting says about themselves; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(None, max_length=200)
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    date_of_birth: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    phone_last4: str | None = Field(None, pattern=r"^[0-9]{4}$")
    postal_code: Text | None = Field(None, max_length=16)
    share_contact_with_insurers: bool = Field(False, description=SHARE_CONTACT)


@dataclass(frozen=True)
class Identification:
    """The outcome: whether the reporter is the customer and which facts matched (for the record)."""

    is_customer: bool
    matched_on: tuple[str, ...] = ()


def normalize_phone(value: str | None) -> str | None:
    """Digits only, a leading US country code dropped: `+1 (212) 555-0100` → `2125550100`."""
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def normalize_email(value: str | None) -> str | None:
    if not value or "@" not in value:
        return None
    return value.strip().casefold()


def normalize_name(value: str | None) -> tuple[str, ...] | None:
    """Accents, case, punctuation and word order ignored: `Lovelace, Adá` ≈ `ada lovelace`."""
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = tuple(sorted(w for w in re.split(r"[^a-z0-9]+", ascii_only) if w))
    return words or None


def _postal(value: str | None) -> str | None:
    return re.sub(r"\s", "", value).upper() if value else None


def identify(reporter: ReporterIdentity | None, customer: CustomerIdentity) -> Identification:
    """Compare the reporter with the customer; see the module docstring for the rule."""
    if reporter is None:
        return Identification(False)
    matched: list[str] = []
    reporter_phone, customer_phone = normalize_phone(reporter.phone), normalize_phone(customer.phone)
    if reporter_phone and reporter_phone == customer_phone:
        matched.append("phone")
    reporter_email = normalize_email(reporter.email)
    if reporter_email and reporter_email == normalize_email(customer.email):
        matched.append("email")
    reporter_name = normalize_name(reporter.name)
    if reporter_name and reporter_name == normalize_name(customer.name):
        private: list[str] = []
        if reporter.date_of_birth and reporter.date_of_birth == customer.date_of_birth:
            private.append("date_of_birth")
        if reporter.phone_last4 and customer_phone and customer_phone.endswith(reporter.phone_last4):
            private.append("phone_last4")
        if reporter.postal_code and _postal(reporter.postal_code) == _postal(customer.postal_code):
            private.append("postal_code")
        if private:
            matched += ["name", *private]
    return Identification(bool(matched), tuple(matched))
