"""The applicant's identity keys (normalized names, phone digits, tax ids) and the rulebook's lists of frequent
claimants and delinquent debtors indexed by them, so a match is a lookup."""

from __future__ import annotations

import re
from typing import Any

from insure.products.models import (
    BusinessApplicant,
    PersonalApplicant,
)
from insure.products.rulebooks import IdentityRecord, RulebookDocument

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NOT_DIGIT = re.compile(r"\D")
IdentityKey = tuple[Any, ...]
Listing = tuple[str, str, str]
"""(kind, rule id, sentence) of a list entry that matched the applicant."""


def _name_key(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def _phone_key(value: str) -> str:
    return _NOT_DIGIT.sub("", value)[-10:]


def identity_keys(applicant: PersonalApplicant | BusinessApplicant) -> tuple[IdentityKey, ...]:
    """The normalized identities lists are matched on: e-mail, phone, and name with date of birth (a person)
    or company name (a business)."""
    keys = (("email", applicant.email.strip().lower()), ("phone", _phone_key(applicant.phone)))
    if isinstance(applicant, PersonalApplicant):
        name = _name_key(applicant.first_name + applicant.last_name)
        return (*keys, ("person", name, applicant.date_of_birth))
    return (*keys, ("company", _name_key(applicant.company_name)))


def _record_keys(record: IdentityRecord) -> list[IdentityKey]:
    keys: list[IdentityKey] = []
    if record.email:
        keys.append(("email", record.email.strip().lower()))
    if record.phone:
        keys.append(("phone", _phone_key(record.phone)))
    if record.name and record.date_of_birth is not None:
        keys.append(("person", _name_key(record.name), record.date_of_birth))
    if record.company_name:
        keys.append(("company", _name_key(record.company_name)))
    return keys


LISTS = (
    (
        "frequent_claimants",
        "frequent_claimant",
        "LIST-FREQUENT-CLAIMANT",
        "The applicant is on the frequent claimants list.",
    ),
    (
        "delinquent_debtors",
        "delinquent_debtor",
        "LIST-DELINQUENT-DEBTOR",
        "The applicant is on the delinquent debtors list.",
    ),
)


def index_identities(document: RulebookDocument) -> dict[IdentityKey, tuple[Listing, ...]]:
    """Every list record under each of its normalized identities: one lookup per identity finds a match."""
    index: dict[IdentityKey, list[Listing]] = {}
    for attribute, kind, prefix, sentence in LISTS:
        for record in getattr(document, attribute):
            for key in _record_keys(record):
                index.setdefault(key, []).append((kind, f"{prefix}-{record.id}", sentence))
    return {key: tuple(found) for key, found in index.items()}
