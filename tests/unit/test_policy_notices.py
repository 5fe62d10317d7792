"""What the holder is told about a policy version, on which channels and under which keys; a contact a channel
cannot use is skipped, a queue that cannot be reached is a TransientError (the workflow's Retry names it)."""

from __future__ import annotations

import pytest

from insure.errors import TransientError
from insure.policies.holder import Holder, holder_from
from insure.policies.models import Cancellation, PolicyVersion
from insure.policies.notices import tell_holder
from insure.types import Money

VERSION = PolicyVersion(
    policy_number="POL-1",
    version=2,
    change="amended",
    version_effective_date="2026-12-05",
    application_id="app-1",
    product="computer",
    state="NY",
    insured="Ada Lovelace",
    applicant_type="personal",
    items=[],
    premium=Money(amount="120.00", currency="USD"),
    effective_date="2026-12-01",
    expiry_date="2027-12-01",
    issued_at="2026-12-05T10:00:00Z",
    document_key="policies/POL-1/v0002.pdf",
)
ADA = Holder(name="Ada Lovelace", greeting="Ada", email="ada@example.com", phone="+12125550100", customer_id="cus_1")


def test_an_amendment_is_told_by_email_and_text_keyed_per_version_and_channel():
    calls: list[tuple] = []
    ids = tell_holder(VERSION, ADA, base_url="https://api.example", notify=lambda *a, **k: calls.append((a, k)) or "n")
    assert ids == ["n", "n"]
    (email, email_options), (sms, sms_options) = calls
    assert email[:3] == ("ada@example.com", "email", "policy_amended")
    assert email[3]["document_url"] == "https://api.example/policies/POL-1/versions/2/document"
    assert (email[3]["version"], email[3]["effective_date"], email[3]["name"]) == ("2", "2026-12-05", "Ada")
    assert email_options == {"key": "policy_amended:POL-1:v2:email", "customer_id": "cus_1"}
    assert sms[:3] == ("+12125550100", "sms", "policy_amended")
    assert sms_options["key"] == "policy_amended:POL-1:v2:sms"


def test_a_cancellation_tells_the_refund_and_its_date():
    cancelled = VERSION.model_copy(
        update={
            "version": 3,
            "change": "cancelled",
            "cancellation": Cancellation(
                effective_date="2026-12-10",
                reason="no_longer_needed",
                refund=Money(amount="98.76", currency="USD"),
                requested_at="2026-12-05T10:00:00Z",
            ),
        }
    )
    calls: list[tuple] = []
    tell_holder(cancelled, ADA, base_url="https://api.example", notify=lambda *a, **k: calls.append(a) or "n")
    assert {c[2] for c in calls} == {"policy_cancelled"}
    assert calls[0][3]["refund"] == "USD 98.76" and calls[0][3]["effective_date"] == "2026-12-10"


def test_a_phone_the_text_channel_cannot_use_is_skipped_and_the_email_still_goes():
    from insure.notifications import notify

    queued: list[dict] = []

    def through_the_port(*args, **options):
        return notify(*args, **options, enqueue=queued.append)

    odd = Holder(name="Ada", greeting="Ada", email="ada@example.com", phone="call me maybe")
    assert len(tell_holder(VERSION, odd, base_url="https://api.example", notify=through_the_port)) == 1
    assert [m["channel"] for m in queued] == ["email"]


def test_a_queue_that_cannot_be_reached_is_a_transient_error():
    def unreachable(*args, **options):
        raise ConnectionError("no route to SQS")

    with pytest.raises(TransientError):
        tell_holder(VERSION, ADA, base_url="https://api.example", notify=unreachable)


def test_the_customer_record_takes_precedence_over_the_application_for_contact_only():
    applicant = {"first_name": "Ada", "last_name": "Lovelace", "email": "old@example.com", "phone": "+12125550100"}
    applicant |= {"date_of_birth": "1985-12-10", "address": {"zip": "10001"}}
    holder = holder_from("Ada Lovelace", applicant, {"email": "new@example.com", "phone": None}, "cus_1")
    assert (holder.email, holder.phone, holder.date_of_birth, holder.postal_code) == (
        "new@example.com",
        "+12125550100",
        "1985-12-10",
        "10001",
    )
    assert holder_from("Acme Inc", {"company_name": "Acme Inc", "contact_name": "Bo"}).greeting == "Bo"
