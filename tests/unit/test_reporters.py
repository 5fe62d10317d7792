"""Who is reporting: the reporter compared with the customer's private information."""

from __future__ import annotations

import pytest

from insure.risk.reporters import CustomerIdentity, ReporterIdentity, identify, normalize_name, normalize_phone

CUSTOMER = CustomerIdentity(
    name="Ada Lovelace",
    phone="+1 (212) 555-0100",
    email="Ada@Example.com",
    date_of_birth="1985-12-10",
    postal_code="10001",
)


@pytest.mark.parametrize(
    ("reporter", "matched"),
    [
        (ReporterIdentity(phone="212.555.0100"), ("phone",)),
        (ReporterIdentity(phone="12125550100"), ("phone",)),
        (ReporterIdentity(email="  ada@example.COM "), ("email",)),
        (ReporterIdentity(name="LOVELACE, Adá", date_of_birth="1985-12-10"), ("name", "date_of_birth")),
        (ReporterIdentity(name="ada lovelace", phone_last4="0100"), ("name", "phone_last4")),
        (ReporterIdentity(name="Ada Lovelace", postal_code="10001"), ("name", "postal_code")),
    ],
)
def test_the_customer_is_recognised_by_what_only_they_know(reporter, matched):
    # When the reporter's details are compared with the customer's
    result = identify(reporter, CUSTOMER)
    # Then the customer is recognised, and the record says on what
    assert result.is_customer
    assert result.matched_on == matched


@pytest.mark.parametrize(
    "reporter",
    [
        None,  # an anonymous scan
        ReporterIdentity(),
        ReporterIdentity(name="Ada Lovelace"),  # a name alone is neither unique nor secret
        ReporterIdentity(name="Ada Lovelace", date_of_birth="1990-01-01"),
        ReporterIdentity(name="Grace Hopper", date_of_birth="1985-12-10"),
        ReporterIdentity(phone="+1 212 555 0199"),
        ReporterIdentity(phone="0100"),  # too short to be a phone number
        ReporterIdentity(email="someone@example.com"),
    ],
)
def test_anyone_else_is_a_third_party(reporter):
    assert identify(reporter, CUSTOMER).is_customer is False


def test_a_customer_without_phone_or_email_is_still_recognised_by_name_and_birth_date():
    customer = CustomerIdentity(name="Bo Li", date_of_birth="2000-02-02")
    assert identify(ReporterIdentity(name="li bo", date_of_birth="2000-02-02"), customer).is_customer
    assert not identify(ReporterIdentity(phone="2125550100"), customer).is_customer


def test_normalization():
    assert normalize_phone("+1 (212) 555-0100") == "2125550100"
    assert normalize_phone("") is None
    assert normalize_name("  Lovelace,   ADA ") == ("ada", "lovelace")
    assert normalize_name("José Núñez") == normalize_name("jose nunez")
