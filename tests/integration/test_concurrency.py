"""Concurrency as AWS runs it: many Lambda environments at once, each its own process, nothing taking turns.

The local cloud hosts API handlers one call at a time (Powertools keeps the current request on a class), so the
conflicts a client meets in AWS never happen there. These tests call the services the handlers call, from many
threads released together by a barrier, with nothing serializing them but moto's own per-request lock
(`local.moto_fixes`: moto mutates items in place; DynamoDB itself is atomic per item, which is all the platform
relies on). Each asserts a guarantee, and that every refusal a caller sees is a 409 (`Conflict`) it may retry.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from insure.errors import Conflict
from insure.signatures import sign
from tests.integration.test_fanout import _receive_all, _register, _request, insurers_sim  # noqa: F401 (a fixture)
from tests.integration.test_issuance import accepted, issuance  # noqa: F401 (a fixture)
from tests.integration.test_risk_intake import LOCATION, register_device, register_insurer, register_tag, risk

THREADS = 8


@pytest.fixture(autouse=True)
def moto_as_dynamodb(platform):
    """moto's own lock (DynamoDB is atomic per item; moto is not without it), as the local cloud installs it."""
    from local import moto_fixes

    moto_fixes.install()


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs the calls on their own threads, released together; each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each caller got
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def refusals(results: list[Any]) -> list[Exception]:
    found = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, Conflict) for e in found), found  # a 409 the client may retry, nothing else
    return found


def test_concurrent_payments_of_one_application_charge_the_card_once(issuance, monkeypatch):  # noqa: F811
    from insure.applications.models import PaymentRequest
    from insure.callers import SessionCaller
    from insure.payments.processor import HttpCardProcessor
    from insure.roots.applications import ApplicationsRoot
    from insure.sessions import token_hash
    from scripts.samples import GOOD_CARD

    charged: list[str] = []
    real_charge, real_charge_saved = HttpCardProcessor.charge, HttpCardProcessor.charge_saved

    def counting_charge(self, token, amount, *, idempotency_key, reference):  # type: ignore[no-untyped-def]
        result = real_charge(self, token, amount, idempotency_key=idempotency_key, reference=reference)
        charged.append(result.charge_id)
        return result

    def counting_charge_saved(self, card, amount, *, idempotency_key, reference):  # type: ignore[no-untyped-def]
        result = real_charge_saved(self, card, amount, idempotency_key=idempotency_key, reference=reference)
        charged.append(result.charge_id)
        return result

    # the first installment is charged to the card kept at the processor (charge_saved); count both ways to charge
    monkeypatch.setattr(HttpCardProcessor, "charge", counting_charge)
    monkeypatch.setattr(HttpCardProcessor, "charge_saved", counting_charge_saved)
    application_id, auth = accepted(issuance.api)
    caller = SessionCaller(token_hash(auth["Authorization"].removeprefix("Bearer ")), application_id)
    service = ApplicationsRoot.from_environment().applications  # as the function's root builds it
    # When eight payments (each with its own Idempotency-Key, as eight tabs would) arrive at once
    results = all_at_once(
        [
            lambda: service.pay(application_id, PaymentRequest(card=GOOD_CARD), uuid.uuid4().hex, caller)
            for _ in range(THREADS)
        ]
    )
    # Then the card was charged once, one payment answered with the issued application, the others 409
    assert len(set(charged)) == 1
    paid = [r for r in results if not isinstance(r, Exception)]
    assert [p.status_code for p in paid] == [200]
    assert len(refusals(results)) == THREADS - 1
    shown = service.get(application_id, caller)
    assert shown.status == "issued" and shown.payment is not None and shown.payment.attempts == 1


@pytest.fixture
def scanning(platform):
    insurer = register_insurer("Acme Mutual", 48)
    device_id, secret = register_device(platform)
    return {"insurer": insurer, "device_id": device_id, "secret": secret, "tag_id": register_tag(platform, [insurer])}


def test_concurrent_deliveries_of_one_scan_open_one_event(platform, scanning):
    from insure.risk import events
    from insure.risk.reporters import ReporterIdentity

    root = risk()

    def deliver(message_id: str) -> Callable[[], Any]:
        return lambda: root.intake.open_from_scan(
            scan_id="scan-concurrent",
            tag_id=scanning["tag_id"],
            device_id=scanning["device_id"],
            scanned_at=datetime.now(tz=UTC),
            location=events.Location(**LOCATION),
            reporter=ReporterIdentity(name="Finder"),
            message_id=message_id,
        )

    # When one scan arrives eight times at once, as new messages and as re-deliveries of one message
    results = all_at_once([deliver(f"msg_{n % 3}") for n in range(THREADS)])
    # Then every answer names the same event and token (or is a 409 to retry), and one intake happened
    opened = {(r.risk_event_id, r.reporter_token) for r in results if not isinstance(r, Exception)}
    refusals(results)
    assert len(opened) == 1
    finder_id = next(iter(opened))[0]
    finder, _ = root.event_store.get(finder_id)
    customer_id = finder.related_event_ids[0]
    assert [p.insurer_id for p in root.progress.timeline(customer_id)] == [scanning["insurer"]]
    customer, _ = root.event_store.get(customer_id)
    assert [r.risk_event_id for r in customer.reports] == [finder_id]


def test_concurrent_fact_updates_are_all_kept(platform, scanning):
    from insure.risk import events
    from insure.risk.facts import Facts
    from insure.risk.reporters import ReporterIdentity

    root = risk()

    def add_facts(risk_event_id: str, token: str, facts: Facts) -> Any:
        root.views.authorize_reporter(risk_event_id, token)
        return root.updates.apply_facts(risk_event_id, facts)

    opened = root.intake.open_from_scan(
        scan_id="scan-facts",
        tag_id=scanning["tag_id"],
        device_id=scanning["device_id"],
        scanned_at=datetime.now(tz=UTC),
        location=events.Location(**LOCATION),
        reporter=ReporterIdentity(name="Finder"),
        message_id="msg_facts",
    )
    fields = [
        "injuries",
        "people_trapped",
        "smoke_visible",
        "flames_visible",
        "gas_smell",
        "water_leaking",
        "electrical_hazard",
        "object_damaged",
    ]
    # When the person on site sends eight different facts at once
    results = all_at_once(
        [
            lambda field=field: add_facts(opened.risk_event_id, opened.reporter_token, Facts(**{field: True}))
            for field in fields
        ]
    )
    # Then every fact whose update was acknowledged is on the event (a refused one was a 409 to retry)
    refused = refusals(results)
    acknowledged = [f for f, r in zip(fields, results, strict=True) if not isinstance(r, Exception)]
    assert len(acknowledged) + len(refused) == len(fields)
    stored, _ = root.event_store.get(opened.risk_event_id)
    assert {f for f in fields if stored.facts.get(f)} >= set(acknowledged)
    # And the third party's facts reached the customer's event too
    customer, _ = root.event_store.get(stored.related_event_ids[0])
    assert {f for f in fields if customer.facts.get(f)} >= set(acknowledged)


def test_concurrent_filing_deliveries_post_one_claim_per_insurer(platform, insurers_sim):  # noqa: F811
    from insure.risk.fanout import InsurerRequest

    root = risk()
    ids = _register(platform, insurers_sim)
    root.dispatcher.dispatch(_request("evt-concurrent-file", {slug: ids[slug] for slug in ("steady", "denier")}))
    messages = [InsurerRequest.model_validate_json(m["Body"]) for m in _receive_all(platform)]
    worker = root.worker
    # When each insurer's filing is delivered four times at once (SQS at-least-once, re-dispatches)
    results = all_at_once([lambda m=m: worker.handle(m) for m in messages for _ in range(THREADS // 2)])
    # Then each insurer received exactly one POST /claims, and one poll chain started per insurer
    assert not [r for r in results if isinstance(r, Exception)]
    for slug in ("steady", "denier"):
        assert insurers_sim.insurers[slug].calls == 1
    polls = [r.poll for r in results if r.poll is not None]
    assert sorted(p.insurer_id for p in polls) == sorted(m.insurer_id for m in messages)


def test_concurrent_copies_of_one_insurer_webhook_are_applied_once(platform, insurers_sim):  # noqa: F811
    import json

    root = risk()
    ids = _register(platform, insurers_sim)
    insurer_id = ids["steady"]
    root.dispatcher.dispatch(_request("evt-concurrent-hook", {"steady": insurer_id}))
    body = json.dumps(
        {
            "risk_event_id": "evt-concurrent-hook",
            "claim_reference": "REF-1",
            "status": "approved",
            "updated_at": "2026-11-23T07:05:00Z",
        }
    )
    headers = sign(insurers_sim.insurers["steady"].secrets[0], body, message_id="msg_once")
    # When eight copies of one signed delivery arrive at once
    results = all_at_once([lambda: root.webhooks.receive(insurer_id, headers, body) for _ in range(THREADS)])
    # Then it was applied once; each copy was acknowledged or told to retry (409: the first is in flight)
    refusals(results)
    entry = {p.insurer_id: p for p in root.progress.timeline("evt-concurrent-hook")}[insurer_id]
    assert [h.status for h in entry.history] == ["pending", "approved"]
