"""The application service and the issuance tasks over in-memory fakes (tests/unit/fakes.py): open, submit,
accept with the terms' hash, pay once per Idempotency-Key, a decline raised as PaymentDeclined, and the
workflow's tasks (stale executions, retried issuance, end statuses). No moto: the whole file runs in seconds."""

from __future__ import annotations

import copy
import hashlib

import pytest

from insure.applications.models import AcceptRequest, ApplicationRequest, PaymentRequest
from insure.applications.service import ApplicationService
from insure.applications.workflow import IssuanceTasks, StaleExecution
from insure.callers import Customer, SessionCaller
from insure.errors import Conflict, NotFound, PaymentDeclined, RuleViolation
from insure.payments.outcome import IdempotencyKeyMissing
from insure.sessions import token_hash
from tests.document_samples import application
from tests.unit.fakes import (
    DECLINED_CARD,
    FakeApplications,
    FakeCards,
    FakeEngine,
    FakeIdempotency,
    FakeIssuer,
    FakeOwners,
    FakeQuotes,
    FakeSessions,
    FakeTokens,
    FakeUnderwriting,
    IssuanceWorkflow,
)

GOOD_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


class World:
    """The service and the tasks over one set of fakes, the workflow played by the engine."""

    def __init__(self, *, approve: bool = True) -> None:
        self.applications = FakeApplications()
        self.engine = FakeEngine()
        self.cards = FakeCards()
        self.tokens = FakeTokens()
        self.idempotency = FakeIdempotency()
        self.owners = FakeOwners()
        self.issuer = FakeIssuer()
        self.underwriting = FakeUnderwriting(approve=approve)
        self.service = ApplicationService(
            applications=self.applications,
            sessions=FakeSessions(),
            engine=self.engine,
            session_ttl_s=3600,
            wait_ms=0,  # the fake workflow has moved before the service reads
            fingerprint_key=lambda: b"test-signing-key",
            payment_tokens=self.tokens,
            underwriting=self.underwriting,
            quotes=FakeQuotes("qt_known"),
            idempotency=self.idempotency,
            cards=self.cards,
            session_owners=self.owners,
        )
        self.tasks = IssuanceTasks(
            applications=self.applications,
            processor=self.cards,
            payment_tokens=self.tokens,
            issuer=self.issuer,
            underwriting=self.underwriting,
            offer_ttl_s=900,
            public_base_url="https://platform.example",
        )
        IssuanceWorkflow(self.tasks, self.engine)

    def open(self, **changes: object) -> tuple[str, SessionCaller]:
        created = self.service.create(request(**changes))
        return created.application_id, SessionCaller(token_hash(created.session_token), created.application_id)

    def offered(self) -> tuple[str, SessionCaller, dict]:
        application_id, caller = self.open()
        status, shown = self.service.submit(application_id, caller)
        assert (status, shown.status) == (200, "offered")
        assert shown.offer is not None
        return application_id, caller, shown.offer.model_dump(mode="json")

    def accepted(self) -> tuple[str, SessionCaller]:
        application_id, caller, offer = self.offered()
        accept = AcceptRequest(offer_id=offer["offer_id"], terms_sha256=offer["terms_sha256"])
        assert self.service.accept(application_id, accept, caller).status == "accepted"
        return application_id, caller


def request(**changes: object) -> ApplicationRequest:
    body = {**application("computer"), **changes}
    return ApplicationRequest.model_validate(body)


def payment(card: dict | None = None, **fields: object) -> PaymentRequest:
    return PaymentRequest.model_validate({"card": card or GOOD_CARD, **fields})


@pytest.fixture
def world() -> World:
    return World()


def test_open_checks_intake_and_the_quote_then_opens_a_draft_in_its_own_session(world):
    # A state the product is not sold in, or an unknown quote: field errors, nothing stored
    with pytest.raises(RuleViolation) as refused:
        world.service.create(request(state="WY"))
    assert [e.field for e in refused.value.errors] == ["state"]
    with pytest.raises(RuleViolation) as unknown:
        world.service.create(request(quote_id="qt_gone"))
    assert [e.field for e in unknown.value.errors] == ["quote_id"]
    assert world.applications.records == {}
    # A valid one: a draft, its session stored beside it, readable with the session's token only
    application_id, caller = world.open(quote_id="qt_known")
    assert world.applications.records[application_id].status == "draft"
    (session,) = [item["session"] for item in world.applications.extra_items]
    assert session.application_id == application_id and session.token_hash == caller.token_hash
    assert world.service.get(application_id, caller).status == "draft"
    with pytest.raises(NotFound):
        world.service.get(application_id, SessionCaller(token_hash("another session"), application_id))


def test_opened_by_a_signed_in_customer_it_is_theirs_from_the_start(world):
    created = world.service.create(request(), Customer("cus_1", frozenset()))
    assert [(c, a) for c, _, a in world.owners.links] == [("cus_1", created.application_id)]


def test_a_repeated_open_with_the_same_idempotency_key_returns_the_first_application_and_token(world):
    first = world.service.create(request(), idempotency_key="open-1")
    again = world.service.create(request(), idempotency_key="open-1")
    assert (again.application_id, again.session_token) == (first.application_id, first.session_token)
    assert list(world.applications.records) == [first.application_id]
    with pytest.raises(RuleViolation):  # the same key with another body
        world.service.create(request(state="CA"), idempotency_key="open-1")


def test_submit_underwrites_once_per_submission_and_shows_the_offer(world):
    application_id, caller = world.open()
    status, shown = world.service.submit(application_id, caller)
    assert (status, shown.status) == (200, "offered")
    assert [name for name, _ in world.engine.started] == [f"{application_id}-1"]
    assert shown.offer is not None and shown.offer.premium == shown.decision.premium
    assert [d["submission"] for d in world.applications.decisions(application_id)] == [1]
    # Submitting an offered application again starts nothing new
    assert world.service.submit(application_id, caller)[1].status == "offered"
    assert len(world.engine.started) == 1


def test_a_declined_application_records_the_decision_and_makes_no_offer():
    declining = World(approve=False)
    application_id, caller = declining.open()
    status, shown = declining.service.submit(application_id, caller)
    assert (status, shown.status) == (200, "declined")
    assert shown.decision is not None and not shown.decision.approved and shown.offer is None
    assert declining.engine.completed == []


def test_acceptance_needs_the_offer_id_and_the_hash_of_the_terms_shown(world):
    application_id, caller, offer = world.offered()
    terms = world.service.terms(application_id, caller)
    assert hashlib.sha256(terms.encode()).hexdigest() == offer["terms_sha256"]
    wrong_hash = AcceptRequest(offer_id=offer["offer_id"], terms_sha256="0" * 64)
    with pytest.raises(RuleViolation) as refused:
        world.service.accept(application_id, wrong_hash, caller)
    assert [e.field for e in refused.value.errors] == ["terms_sha256"]
    wrong_offer = AcceptRequest(offer_id="off_other", terms_sha256=offer["terms_sha256"])
    with pytest.raises(RuleViolation) as other:
        world.service.accept(application_id, wrong_offer, caller)
    assert [e.field for e in other.value.errors] == ["offer_id"]
    assert world.engine.completed == []
    # The right pair accepts once; a repeat answers the same without completing the step again
    right = AcceptRequest(offer_id=offer["offer_id"], terms_sha256=offer["terms_sha256"])
    assert world.service.accept(application_id, right, caller).status == "accepted"
    assert world.service.accept(application_id, right, caller).status in ("accepted", "paid", "issued")
    assert [output["offer_id"] for _, output in world.engine.completed] == [offer["offer_id"]]


def test_payment_needs_an_idempotency_key_and_is_applied_once_per_key(world):
    application_id, caller = world.accepted()
    with pytest.raises(IdempotencyKeyMissing):
        world.service.pay(application_id, payment(), None, caller)
    first = world.service.pay(application_id, payment(), "pay-1", caller)
    assert first.status_code == 200 and first.body["status"] == "issued"
    assert first.body["policy_number"] == world.issuer.stored[0].policy_number
    # The same key again: the first outcome, nothing charged again
    again = world.service.pay(application_id, payment(), "pay-1", caller)
    assert again == first
    assert len(world.cards.charges) == 1 and world.idempotency.effects == 1
    # The same key with another body is refused
    with pytest.raises(RuleViolation):
        world.service.pay(application_id, payment(payment_plan="monthly"), "pay-1", caller)
    # A new key on an issued application: nothing is awaiting payment
    with pytest.raises(Conflict):
        world.service.pay(application_id, payment(), "pay-2", caller)
    assert len(world.cards.charges) == 1


def test_a_declined_card_is_raised_as_payment_declined_and_a_good_card_then_pays(world):
    application_id, caller = world.accepted()
    with pytest.raises(PaymentDeclined) as declined:
        world.service.pay(application_id, payment({**GOOD_CARD, "number": DECLINED_CARD}), "pay-1", caller)
    assert declined.value.extensions["attempts_remaining"] == 2
    assert declined.value.extensions["decline_code"] == "card_declined"
    assert world.applications.records[application_id].status == "payment_failed"
    # The same key replays the decline (not charged again)
    with pytest.raises(PaymentDeclined):
        world.service.pay(application_id, payment({**GOOD_CARD, "number": DECLINED_CARD}), "pay-1", caller)
    assert len(world.cards.charges) == 1
    # Another key with a good card pays and issues
    assert world.service.pay(application_id, payment(), "pay-2", caller).body["status"] == "issued"
    assert [c["ok"] for c in world.cards.charges] == [False, True]


def test_a_card_token_created_for_another_application_is_refused_before_anything_is_charged(world):
    application_id, caller = world.accepted()
    from insure.payments.cards import Card

    elsewhere = world.cards.tokenize(Card("4242424242424242", 12, 2030, "123"), client_reference="app_other")
    with pytest.raises(RuleViolation):
        world.service.pay(application_id, PaymentRequest(payment_token=elsewhere.token), "pay-1", caller)
    assert world.cards.charges == [] and world.applications.records[application_id].status == "accepted"


# -- the issuance tasks ------------------------------------------------------------------------------------


def test_a_stale_execution_cannot_move_an_application_resubmitted_since(world):
    application_id, caller = world.open()
    world.service.submit(application_id, caller)
    world.applications.set(application_id, status="draft", submissions=2)
    with pytest.raises(StaleExecution):
        world.tasks.await_callback({"application_id": application_id, "submission": 1, "kind": "payment", "token": "t"})
    assert world.tasks.record({"application_id": application_id, "submission": 1, "status": "expired"}) == {
        "recorded": False
    }
    assert world.applications.records[application_id].status == "draft"


def test_a_retried_issue_task_issues_the_same_policy_once(world):
    application_id, caller = world.accepted()
    world.service.pay(application_id, payment(), "pay-1", caller)
    record = world.applications.records[application_id]
    before = copy.deepcopy(record)
    # When the Issue state runs again (a retry after a timeout), reading the application
    again = world.tasks.issue({"application_id": application_id, "submission": record.submissions})
    # Then it names the same policy, stores nothing new and leaves the application as it was
    assert again == {"policy_number": record.policy_number}
    assert len(world.issuer.stored) == 1
    assert world.applications.records[application_id].status == "issued"
    assert world.applications.records[application_id].version == before.version


def test_an_end_status_is_recorded_only_from_a_status_that_leads_to_it(world):
    application_id, caller, _ = world.offered()
    submission = world.applications.records[application_id].submissions
    expired = world.tasks.record({"application_id": application_id, "submission": submission, "status": "expired"})
    assert expired == {"recorded": True}
    shown = world.service.get(application_id, caller)
    assert shown.status == "expired" and world.applications.records[application_id].task_token is None
    # An expired application cannot then be accepted
    offer = shown.offer
    assert offer is not None
    with pytest.raises(Conflict):
        world.service.accept(
            application_id, AcceptRequest(offer_id=offer.offer_id, terms_sha256=offer.terms_sha256), caller
        )
