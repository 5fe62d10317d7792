"""The amendment service over in-memory fakes (tests/unit/fakes.py): the checks before a change is claimed (no
back-dating, known item ids, intake), one change in flight per policy, acceptance with the terms' hash, and the
difference paid once per Idempotency-Key with a decline raised as PaymentDeclined. The amendment workflow's moves
are played by the test through the fake engine."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from insure import timestamps
from insure.amendments.models import AmendmentRequest
from insure.amendments.service import AmendmentService
from insure.applications.models import PaymentRequest
from insure.applications.repository import ApplicationRecord
from insure.callers import SessionCaller
from insure.errors import Conflict, NotFound, PaymentDeclined, RuleViolation
from insure.payments.outcome import IdempotencyKeyMissing
from insure.policies.repository import StoredPolicy
from tests.document_samples import application, issued
from tests.unit.fakes import (
    DECLINED_CARD,
    FakeAmendments,
    FakeApplications,
    FakeCards,
    FakeEngine,
    FakeIdempotency,
    FakePolicies,
    FakeTokens,
    FakeUnderwriting,
)

SESSION = "session-hash-of-the-buyer"
OWNER = SessionCaller(SESSION, "app_computer")
STRANGER = SessionCaller("someone-else", "app_other")
GOOD_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
TERMS = "The amended terms."


class World:
    def __init__(self) -> None:
        today = timestamps.today()
        self.policy = issued(
            "computer",
            effective_date=(today - dt.timedelta(days=1)).isoformat(),
            version_effective_date=(today - dt.timedelta(days=1)).isoformat(),
            expiry_date=(today + dt.timedelta(days=364)).isoformat(),
        )
        self.policies = FakePolicies()
        self.policies.add(StoredPolicy([self.policy], SESSION, int(timestamps.epoch()) + 3600))
        self.applications = FakeApplications()
        self.applications.create(
            ApplicationRecord(
                application_id=self.policy.application_id,
                session_hash=SESSION,
                session_expires_at_epoch=0,
                status="issued",
                input=application("computer"),
                created_at="",
                updated_at="",
            )
        )
        self.amendments = FakeAmendments()
        self.engine = FakeEngine()
        self.cards = FakeCards()
        self.idempotency = FakeIdempotency()
        self.underwriting = FakeUnderwriting()
        self.service = AmendmentService(
            policies=self.policies,
            repository=self.policies,
            amendments=self.amendments,
            applications=self.applications,
            engine=self.engine,
            wait_ms=0,
            fingerprint_key=lambda: b"test-signing-key",
            payment_tokens=FakeTokens(),
            cards=self.cards,
            idempotency=self.idempotency,
            underwriting=self.underwriting,
        )

    @property
    def number(self) -> str:
        return self.policy.policy_number

    def change(self, **fields: Any) -> AmendmentRequest:
        laptop, desktop = self.policy.items
        items = fields.pop(
            "items", [{"item_id": laptop["item_id"], "value": "1800.00"}, {"item_id": desktop["item_id"]}]
        )
        effective = fields.pop("effective_date", timestamps.today().isoformat())
        return AmendmentRequest.model_validate({"changes": {"items": items}, "effective_date": effective})

    def offered(self, settlement: str = "charge") -> str:
        """Submit a change and play the workflow's offer (what the amendment workflow writes)."""
        shown = self.service.submit(self.number, self.change(), OWNER)
        offer = {
            "offer_id": "off_1",
            "premium": {"amount": "150.00", "currency": "USD"},
            "previous_premium": {"amount": "137.81", "currency": "USD"},
            "premium_difference": {"amount": "12.19" if settlement == "charge" else "-5.00"},
            "settlement": settlement,
            "terms_url": "https://platform.example/terms",
            "terms_sha256": hashlib.sha256(TERMS.encode()).hexdigest(),
            "expires_at": timestamps.rfc3339(timestamps.current() + dt.timedelta(minutes=15)),
        }
        self.amendments.change(
            self.number,
            shown.amendment_id,
            set_fields={"status": "offered", "offer": offer, "terms": TERMS, "task_token": "tok-acceptance"},
        )
        self.amendments.change(self.number, shown.amendment_id, set_fields={"task_kind": "acceptance"})
        return shown.amendment_id

    def accepted(self) -> str:
        amendment_id = self.offered()
        self.service.accept(self.number, amendment_id, "off_1", hashlib.sha256(TERMS.encode()).hexdigest(), OWNER)
        # the workflow then waits for the payment
        self.amendments.change(
            self.number, amendment_id, set_fields={"task_token": "tok-payment-1", "task_kind": "payment"}
        )
        return amendment_id

    def settle_payments(self, approved: bool) -> None:
        """The workflow's charge step: a completed payment task ends issued, or payment_failed with the decline."""

        def settle(token: str, output: dict[str, Any]) -> None:
            if "payment_ref" not in output:
                return
            amendment = self.amendments.only()
            if approved:
                fields: dict[str, Any] = {"status": "issued", "payment_attempts": output["attempt"]}
            else:
                fields = {
                    "status": "payment_failed",
                    "payment_attempts": output["attempt"],
                    "settlement": {
                        "kind": "charge",
                        "amount": {"amount": "12.19", "currency": "USD"},
                        "decline_code": "card_declined",
                        "decline_message": "Your card was declined.",
                        "attempts": output["attempt"],
                    },
                }
            self.amendments.change(self.number, amendment.amendment_id, set_fields=fields)

        self.engine.on_complete = settle


def payment(number: str = GOOD_CARD["number"]) -> PaymentRequest:
    return PaymentRequest.model_validate({"card": {**GOOD_CARD, "number": number}})


@pytest.fixture
def world() -> World:
    return World()


def test_a_change_is_checked_before_the_policy_is_claimed(world):
    yesterday = (timestamps.today() - dt.timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as backdated:
        world.service.submit(world.number, world.change(effective_date=yesterday), OWNER)
    assert [e.field for e in backdated.value.errors] == ["effective_date"]
    with pytest.raises(RuleViolation) as unknown:
        world.service.submit(world.number, world.change(items=[{"item_id": "itm_nope"}]), OWNER)
    assert [e.field for e in unknown.value.errors] == ["changes.items[0].item_id"]
    world.underwriting.refused_states = ("NY",)  # intake refuses the policy's application as it now stands
    with pytest.raises(RuleViolation) as intake:
        world.service.submit(world.number, world.change(), OWNER)
    assert [e.field for e in intake.value.errors] == ["state"]
    with pytest.raises(NotFound):
        world.service.submit(world.number, world.change(), STRANGER)
    assert world.policies.in_flight == {} and world.amendments.records == {} and world.engine.started == []


def test_one_change_in_flight_per_policy_and_a_failed_start_releases_it(world):
    shown = world.service.submit(world.number, world.change(), OWNER)
    assert shown.status == "underwriting"
    assert world.policies.in_flight == {world.number: shown.amendment_id}
    assert [payload for _, payload in world.engine.started] == [
        {"amendment_id": shown.amendment_id, "policy_number": world.number}
    ]
    with pytest.raises(Conflict):
        world.service.submit(world.number, world.change(), OWNER)
    # When the workflow cannot be started, the claim is given back
    other = World()

    def refuse(name: str, payload: dict[str, Any]) -> None:
        raise RuntimeError("Step Functions unavailable")

    other.engine.on_start = refuse
    with pytest.raises(RuntimeError):
        other.service.submit(other.number, other.change(), OWNER)
    assert other.policies.in_flight == {}


def test_acceptance_needs_the_offer_id_and_the_hash_of_the_terms_shown(world):
    amendment_id = world.offered()
    right = hashlib.sha256(TERMS.encode()).hexdigest()
    with pytest.raises(RuleViolation) as wrong_hash:
        world.service.accept(world.number, amendment_id, "off_1", "0" * 64, OWNER)
    assert [e.field for e in wrong_hash.value.errors] == ["terms_sha256"]
    with pytest.raises(RuleViolation) as wrong_offer:
        world.service.accept(world.number, amendment_id, "off_2", right, OWNER)
    assert [e.field for e in wrong_offer.value.errors] == ["offer_id"]
    assert world.engine.completed == []
    assert world.service.accept(world.number, amendment_id, "off_1", right, OWNER).status == "accepted"
    assert world.service.accept(world.number, amendment_id, "off_1", right, OWNER).status == "accepted"
    assert world.engine.completed == [("tok-acceptance", world.engine.completed[0][1])]
    assert world.engine.completed[0][1]["offer_id"] == "off_1"


def test_the_difference_is_paid_once_per_idempotency_key(world):
    amendment_id = world.accepted()
    world.settle_payments(approved=True)
    with pytest.raises(IdempotencyKeyMissing):
        world.service.pay(world.number, amendment_id, payment(), " ", OWNER)
    first = world.service.pay(world.number, amendment_id, payment(), "pay-1", OWNER)
    assert first.status_code == 200 and first.body["status"] == "issued"
    assert world.service.pay(world.number, amendment_id, payment(), "pay-1", OWNER) == first
    assert world.idempotency.effects == 1
    (completed,) = [output for token, output in world.engine.completed if token == "tok-payment-1"]
    assert (completed["last4"], completed["attempt"]) == ("4242", 1)
    with pytest.raises(RuleViolation):  # the same key, another card
        world.service.pay(world.number, amendment_id, payment("5555555555554444"), "pay-1", OWNER)


def test_a_declined_difference_is_raised_as_payment_declined(world):
    amendment_id = world.accepted()
    world.settle_payments(approved=False)
    with pytest.raises(PaymentDeclined) as declined:
        world.service.pay(world.number, amendment_id, payment(DECLINED_CARD), "pay-1", OWNER)
    assert declined.value.extensions["decline_code"] == "card_declined"
    assert declined.value.extensions["attempts_remaining"] == 2
    assert declined.value.extensions["amendment_id"] == amendment_id


def test_nothing_to_pay_on_a_refund(world):
    amendment_id = world.offered(settlement="refund")
    with pytest.raises(Conflict):
        world.service.pay(world.number, amendment_id, payment(), "pay-1", OWNER)
    assert world.cards.tokens == {}
