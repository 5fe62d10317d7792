"""The terms document of an offer: prose a person can read, with this offer's figures filled in, and the exact
text the offer's SHA-256 covers."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal

from insure.applications.offers import make_offer
from insure.applications.terms import render_terms

NOW = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)
APPLICATION = {
    "product": "bundle",
    "state": "NY",
    "applicant_type": "personal",
    "applicant": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    "items": [
        {
            "coverage": "computer",
            "kind": "portable",
            "brand": "Dell",
            "model": "XPS 13",
            "purchase_year": 2025,
            "value": "1500.00",
            "accessories": ["monitor", "external_drive"],
            "serial_number": "SN-1",
            "description": "my work laptop",
        },
        {
            "coverage": "property",
            "construction": "masonry",
            "occupancy": "owner_occupied",
            "fire_protection": "hydrant_and_station",
            "year_built": 1890,
            "value": "300000.00",
            "address": {"line1": "1 Main St", "city": "New York", "state": "NY", "zip": "10001"},
        },
    ],
}


def offer_terms() -> tuple[str, str, str]:
    offer = make_offer(
        "app_1",
        APPLICATION,
        {"amount": "1302.75", "currency": "USD"},
        offer_ttl_s=900,
        session_expires_at_epoch=int(NOW.timestamp()) + 3600,
        public_base_url="http://x/",
        now=NOW,
    )
    return offer.terms, offer.terms_sha256, offer.expires_at


def test_the_terms_are_prose_with_the_offer_figures_filled_in():
    terms, _, expires_at = offer_terms()
    # Then no line is a key=value dump of the stored item
    assert not re.search(r"\b\w+=\S", terms)
    assert "coverage:" not in terms and "purchase_year" not in terms and "{" not in terms
    # And the figures of this offer are there, in words a person reads
    assert "Ada Lovelace" in terms
    assert "The annual premium is $1,302.75." in terms
    assert "a total insured amount of $301,500.00" in terms
    text = " ".join(terms.split())
    assert (
        "1. A portable Dell XPS 13 computer bought in 2025 with its monitor and external drive, insured for "
        "$1,500.00 at replacement value."
    ) in text
    assert (
        "2. A masonry owner-occupied building built in 1890 at 1 Main St, New York, NY 10001, insured for "
        "$300,000.00 at replacement cost."
    ) in text
    # And the time the offer lapses, the state and the application read in words, not as stored values
    assert expires_at == "2026-12-01T05:15:00Z"
    assert "This offer is open until 05:15 UTC on 1 December 2026." in text
    assert "in the state of New York" in text
    assert "Reference number of your application: app_1" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|\(UTC\)", terms)  # NY stays in a postal address
    assert re.findall(r"\bapp_\w+", terms) == ["app_1"]  # only where it is labelled as the reference number
    # And narrative or identifying fields stay out of the contract text
    assert "my work laptop" not in terms and "SN-1" not in terms
    assert all(len(line) <= 100 for line in terms.splitlines())


def test_every_products_items_read_in_words() -> None:
    from insure.applications.terms import describe_item
    from tests import document_samples as samples

    described = {item["coverage"]: describe_item(item) for item in [samples.OPERATIONS, samples.MEDICAL]}
    # The business's industry in words (not its SIC code), the dependents counted in words
    assert "liability for the business's operations (electronic computer manufacturing)" in described["casualty"]
    assert "the insured and 2 dependents" in described["major_medical"]
    assert "the insured and 1 dependent," in describe_item({**samples.MEDICAL, "dependents": 1})
    assert "SIC" not in described["casualty"] and "(s)" not in described["major_medical"]
    # Accessories named as on the policy document
    assert "with its docking station, uninterruptible power supply and mouse" in describe_item(samples.LAPTOP)


def _amendment(difference: Decimal) -> str:
    from insure.amendments.repository import AmendmentRecord
    from insure.amendments.terms import amendment_terms

    items = [
        {**APPLICATION["items"][0], "item_id": "item-1", "tag_id": "QR-ABC"},
        {
            "item_id": "itm_0a1b2c",
            "coverage": "computer",
            "kind": "desktop",
            "brand": "Apple",
            "model": "iMac",
            "value": "2000.00",
            "accessories": ["ups"],
        },
    ]
    record = AmendmentRecord(
        amendment_id="amd_7f3e9c",
        policy_number="POL-AB12CD34",
        status="underwriting",
        effective_date="2027-02-15",
        base_version=1,
        items=items,
        application={**APPLICATION, "product": "computer", "items": items},
        term={"start": "2026-12-01", "end": "2027-12-01"},
        previous_premium={"amount": "137.81", "currency": "USD"},
        created_at="2027-02-15T09:00:00Z",
        updated_at="2027-02-15T09:00:00Z",
    )
    return amendment_terms(record, {"amount": "151.20", "currency": "USD"}, difference, Decimal("25.00"), "monthly")


def test_the_amendment_terms_are_prose_with_the_change_filled_in() -> None:
    terms = _amendment(Decimal("10.39"))
    text = " ".join(terms.split())
    # Then no line is a key=value dump of an item, and no header shouts
    assert not re.search(r"\b\w+=\S", terms)
    assert "POLICY AMENDMENT" not in terms and "->" not in terms
    assert not any(line.isupper() for line in terms.splitlines() if line.strip())
    # And the change is told in words: the policy, the insured, from when, to when, what it becomes
    assert "Terms of the amendment to policy POL-AB12CD34" in text
    assert "Reference number of the amendment: amd_7f3e9c" in text
    assert (
        "We offer to amend the computer equipment insurance of Ada Lovelace in the state of New York, policy "
        "POL-AB12CD34, from 15 February 2027 to the end of the current policy period on 1 December 2027. This "
        "changes version 1 of the policy; once you accept it and pay any difference due, it is issued as version 2"
    ) in text
    # And the items after the change read as in an application's terms, with the total insured
    assert "After the amendment the policy covers the 2 items below, for a total insured amount of $3,500.00:" in text
    assert (
        "1. A portable Dell XPS 13 computer bought in 2025 with its monitor and external drive, insured for "
        "$1,500.00 at replacement value."
    ) in text
    assert "2. A desktop Apple iMac computer with its uninterruptible power supply, insured for $2,000.00" in text
    # And the premium: the new annual premium and what is charged now
    assert "The annual premium changes from $137.81 to $151.20." in text
    assert (
        "The difference for the rest of the policy period, to 1 December 2027, counted in days, is $10.39: it is "
        "charged when you pay this amendment."
    ) in text
    assert "To accept this amendment, confirm these terms" in text
    # And the policy's conditions follow, with the rulebook's minimum premium and the installments of its plan
    assert "Changes to covered items. You may add, remove or change covered items" in text
    assert "Installments. Each later installment is charged on its due date" in text
    assert "The minimum premium of $25.00 is earned when the policy is issued" in text
    # And nothing raw: no stored dates, codes, item ids or tags
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\bNY\b|\bitem-\d|itm_|QR-|\bUSD\b", terms)
    assert "my work laptop" not in terms and "SN-1" not in terms
    assert all(len(line) <= 100 for line in terms.splitlines())


def test_an_amendment_that_lowers_the_premium_says_what_is_given_back() -> None:
    text = " ".join(_amendment(Decimal("-12.40")).split())
    assert "is $12.40 in your favour: it is settled as the condition on changes to covered items below says." in text
    text = " ".join(_amendment(Decimal("0.00")).split())
    assert "does not change: nothing is charged or refunded." in text


def test_the_offer_hash_is_the_hash_of_the_terms_text_and_the_same_offer_renders_the_same_terms():
    terms, digest, expires_at = offer_terms()
    assert digest == hashlib.sha256(terms.encode()).hexdigest()
    again = render_terms("app_1", APPLICATION, {"amount": "1302.75", "currency": "USD"}, expires_at=expires_at)
    assert again == terms


def test_the_terms_accepted_the_policy_document_and_the_cancellation_arithmetic_say_the_same_thing():
    """What the person accepts (and hashes) repeats the policy document's conditions on changes, cancellation and
    refunds word for word, from one source (data/wording/common.json), and those words are what the code does."""
    from insure.billing.plans import schedule
    from insure.policies.document import render
    from insure.policies.proration import (
        PaidCharge,
        Period,
        Term,
        cancellation_refund,
        premium_paid,
        premium_parts,
    )
    from insure.policies.wording import general_conditions, terms_conditions
    from insure.products.rulebooks import PaymentPlanRule
    from tests import document_samples as samples
    from tests.pdf_text import pdf_text

    def flat(text: str) -> str:
        return " ".join(text.split())

    # Given an offer of a computer policy whose rulebook keeps a $25.00 minimum, payable monthly with a fee
    monthly = PaymentPlanRule(plan="monthly", factor=Decimal("0.03"), installment_fee=Decimal("1.00"))
    plan = schedule(Decimal("600.00"), monthly, NOW.date())
    offer = make_offer(
        "app_1",
        APPLICATION,
        {"amount": "600.00", "currency": "USD"},
        offer_ttl_s=900,
        session_expires_at_epoch=int(NOW.timestamp()) + 3600,
        public_base_url="http://x/",
        now=NOW,
        payment_plans=[plan.as_json()],
        minimum_premium=Decimal("25.00"),
    )
    terms = flat(offer.terms)
    # Then the terms say nothing the policy does not: no notice period, no cancellation by the insurer
    assert "written notice" not in terms and "You or we may cancel" not in terms
    # And each of their conditions is the policy document's, word for word (the document of a monthly policy)
    document = pdf_text(render(samples.monthly(), context=samples.context("computer"), web_address="https://x"))
    document_conditions = dict(general_conditions(Decimal("25.00"), "monthly"))
    repeated = terms_conditions(Decimal("25.00"), ["monthly"])
    assert [title for title, _ in repeated] == [
        "Installments",
        "Changes to covered items",
        "Cancellation by you",
        "Refund on cancellation",
    ]
    for title, text in repeated:
        assert f"{title}. {text}" in terms
        assert document_conditions[title] == text
        assert flat(text) in document
    assert "The minimum premium of $25.00 is earned when the policy is issued" in terms
    assert "The fee of a payment plan is not premium and is never refunded" in terms
    # And the arithmetic does what they say. Cancelled on the first day after the first installment: the premium
    # in it comes back less the $25.00 minimum, its plan fee never does
    amounts = [i.amount for i in plan.installments]
    first_premium = premium_parts(amounts, plan.premium)[0]
    assert first_premium < amounts[0]  # the first installment carries part of the fee
    charges = [PaidCharge("ch_1", first_premium, term=1)]
    term = Term(NOW.date(), NOW.date().replace(year=NOW.year + 1))
    paid = premium_paid(charges, term=1)
    refund = cancellation_refund(term, [Period(plan.premium, term.start)], paid, term.start, Decimal("25.00"))
    assert refund == first_premium - Decimal("25.00")
    # Half-way through the term, what is kept is the premium earned by then (more than was paid): no refund is due
    half = term.start + (term.end - term.start) / 2
    assert cancellation_refund(term, [Period(plan.premium, term.start)], paid, half, Decimal("25.00")) == 0
    # And only the premium paid for the term in force counts: a first term's charge is not refunded in the second
    renewed = [PaidCharge("ch_term1", Decimal("600.00"), term=1), PaidCharge("ch_term2", first_premium, term=2)]
    assert premium_paid(renewed, term=2) == first_premium
