"""An application's lifecycle within its session: status moves, the offer's terms hash, policy numbers."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest

from insure.applications.offers import make_offer
from insure.applications.status import EDITABLE, MOVES, STATUSES, can_move, predecessors
from insure.policies.numbers import policy_number

HAPPY = ["draft", "underwriting", "offered", "accepted", "paid", "issued"]


def test_the_happy_path_is_allowed_step_by_step():
    for current, target in itertools.pairwise(HAPPY):
        assert can_move(current, target), (current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("draft", "offered"),
        ("offered", "paid"),
        ("issued", "draft"),
        ("expired", "accepted"),
        ("declined", "offered"),
        ("paid", "payment_failed"),
        ("underwriting", "accepted"),
    ],
)
def test_no_step_is_skipped_and_final_statuses_stay(current, target):
    assert not can_move(current, target)


def test_decline_and_payment_failure_are_side_roads():
    assert can_move("underwriting", "declined")
    assert can_move("declined", "draft")  # modify and resubmit
    assert can_move("accepted", "payment_failed")
    assert can_move("payment_failed", "paid")  # another card
    assert set(predecessors("expired")) == {"offered", "accepted", "payment_failed"}


def test_every_status_has_its_moves_and_only_unsubmitted_ones_are_editable():
    assert set(MOVES) == set(STATUSES)
    assert {"draft", "declined", "failed"} == EDITABLE
    assert MOVES["issued"] == frozenset()


def test_the_offer_carries_the_sha256_of_its_terms_and_lapses_with_the_session():
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    application = {
        "product": "computer",
        "state": "NY",
        "applicant": {"first_name": "Ada", "last_name": "L"},
        "items": [{"kind": "portable", "brand": "Dell", "value": "1500.00"}],
    }
    offer = make_offer(
        "app_1",
        application,
        {"amount": "52.50", "currency": "USD"},
        offer_ttl_s=900,
        session_expires_at_epoch=int(now.timestamp()) + 300,
        public_base_url="http://x/",
        now=now,
    )
    assert offer.terms_sha256 == hashlib.sha256(offer.terms.encode()).hexdigest()
    assert "The annual premium is $52.50." in offer.terms
    assert offer.acceptance_timeout_s == 300  # the session ends before the offer would
    assert offer.expires_at == "2026-11-23T09:05:00Z"
    assert offer.terms_url == "http://x/applications/app_1/terms"
    assert set(offer.public()) == {"offer_id", "premium", "terms_url", "terms_sha256", "expires_at", "payment_plans"}


def test_policy_numbers_are_stable_per_submission():
    assert policy_number("app_1", 1) == policy_number("app_1", 1)
    assert policy_number("app_1", 1) != policy_number("app_1", 2)
    assert policy_number("app_1", 1).startswith("POL-")
