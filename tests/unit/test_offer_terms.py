"""The terms document of an offer: prose a person can read, with this offer's figures filled in, and the exact
text the offer's SHA-256 covers."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

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
    assert f"This offer is open until {expires_at} (UTC)." in text
    # And narrative or identifying fields stay out of the contract text
    assert "my work laptop" not in terms and "SN-1" not in terms
    assert all(len(line) <= 100 for line in terms.splitlines())


def test_the_offer_hash_is_the_hash_of_the_terms_text_and_the_same_offer_renders_the_same_terms():
    terms, digest, expires_at = offer_terms()
    assert digest == hashlib.sha256(terms.encode()).hexdigest()
    again = render_terms("app_1", APPLICATION, {"amount": "1302.75", "currency": "USD"}, expires_at=expires_at)
    assert again == terms
