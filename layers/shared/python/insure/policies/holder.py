"""Who holds a policy and how to reach them: one answer for the policy's tags and the messages about it.

A policy bought in a session that belongs to an account (`POST /accounts`, or opened with the customer's access
token) is reached through the account's current customer record (`PATCH /me` changes it); any other policy
through the applicant's contact given in the application. The private details that recognise the customer when
they report (date of birth, postal code) come from the application where the customer record has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Holder:
    """The policyholder as messages and tags name and reach them."""

    name: str
    greeting: str
    email: str | None = None
    phone: str | None = None
    date_of_birth: str | None = None
    postal_code: str | None = None
    customer_id: str | None = None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def holder_from(
    insured: str, applicant: dict[str, Any], profile: dict[str, Any] | None = None, customer_id: str | None = None
) -> Holder:
    """The holder from the application's applicant, with the customer record's contact taking precedence."""
    source = {**applicant, **{k: v for k, v in (profile or {}).items() if v not in (None, "")}}
    address = source.get("address") if isinstance(source.get("address"), dict) else {}
    person = " ".join(p for p in (_text(source.get("first_name")), _text(source.get("last_name"))) if p)
    name = _text(source.get("company_name")) or person or _text(insured) or "Policyholder"
    greeting = _text(source.get("first_name")) or _text(source.get("contact_name")) or name
    return Holder(
        name=name[:200],
        greeting=greeting[:200],
        email=_text(source.get("email")),
        phone=_text(source.get("phone")),
        date_of_birth=_text(applicant.get("date_of_birth")),
        postal_code=_text((address or {}).get("zip")),
        customer_id=customer_id,
    )


def holder_of(
    policy_number: str,
    application_id: str,
    insured: str,
    *,
    table: str | None = None,
    session_hash: str | None = None,
    applicant: dict[str, Any] | None = None,
) -> Holder:
    """The holder of a policy (see the module docstring). `session_hash` and `applicant` are read from the
    policy and its application when not given."""
    from insure.accounts.repository import AccountRepository

    if table is None:
        from insure.settings import get_settings

        table = get_settings().table_name
    if applicant is None:
        from insure.applications.repository import ApplicationRepository

        record = ApplicationRepository(table).get(application_id)
        found = (record.input if record else {}).get("applicant")
        applicant = found if isinstance(found, dict) else {}
    if session_hash is None:
        from insure.policies.repository import PolicyRepository

        stored = PolicyRepository(table).get(policy_number)
        session_hash = stored.session_hash if stored is not None else None
    accounts = AccountRepository(table)
    customer_id = accounts.owner_of_session(session_hash) if session_hash else None
    profile: dict[str, Any] | None = None
    if customer_id is not None:
        versions = accounts.versions(customer_id)
        profile = versions[-1].profile if versions else None
    return holder_from(insured, applicant, profile, customer_id)
