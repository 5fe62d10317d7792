"""Fan-out logic without AWS: one request per insurer, a batch's records handled concurrently with partial
failures, and the simulated insurers' contract (signatures, idempotent filing, progress scripts)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from werkzeug.test import Client

from insure.risk.batches import concurrent_batch_processor
from insure.risk.fanout import FanoutRequest, PolicyRef, _per_insurer
from insure.signatures import new_secret, sign
from local.simulators.insurers import DENIED, InsurerProfile, InsurerSimulator


def _request(policies: list[PolicyRef]) -> FanoutRequest:
    return FanoutRequest(
        risk_event_id="evt-1",
        event_type="theft",
        facts={"description": "bike gone"},
        occurred_at="2026-11-23T07:00:00Z",
        policies=policies,
    )


def test_one_filing_per_insurer_on_its_first_policy():
    # Given an object covered by two insurers, one of them with two policies
    request = _request(
        [
            PolicyRef(insurer_id="a", policy_number="A-1", product="bike"),
            PolicyRef(insurer_id="b", policy_number="B-1", product="home"),
            PolicyRef(insurer_id="a", policy_number="A-2", product="home"),
        ]
    )
    # When the request is split per insurer
    messages = _per_insurer(request)
    # Then each insurer is asked once, on its first policy, with the event's facts
    assert [(m.insurer_id, m.policy_number, m.kind) for m in messages] == [("a", "A-1", "file"), ("b", "B-1", "file")]
    assert all(m.facts == {"description": "bike gone"} and m.poll_seq == 0 for m in messages)


def _sqs_event(bodies: list[str]) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"r{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:insurer-requests",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_a_batch_is_handled_concurrently_and_only_failing_records_are_reported():
    from aws_lambda_powertools.utilities.batch import process_partial_response

    in_flight, peak, lock = 0, 0, threading.Lock()

    def record_handler(record) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)  # a network call
        with lock:
            in_flight -= 1
        if record.body.startswith("fail"):
            raise ConnectionError("insurer down")

    # Given a batch of ten records of which two fail
    bodies = [f"ok-{n}" for n in range(8)] + ["fail-8", "fail-9"]
    # When the concurrent processor handles it
    response = process_partial_response(
        event=_sqs_event(bodies), record_handler=record_handler, processor=concurrent_batch_processor()
    )
    # Then the records ran at the same time and only the failing ones are reported for retry
    assert peak > 1
    assert sorted(f["itemIdentifier"] for f in response["batchItemFailures"]) == ["m8", "m9"]


@pytest.fixture
def simulator():
    sim = InsurerSimulator(
        profiles=[
            InsurerProfile("quick", "Quick", latency_s=0, step_s=0.05),
            InsurerProfile("denies", "Denies", latency_s=0, script=DENIED, step_s=3600),
        ]
    )
    secret = new_secret()
    sim.configure("quick", "ins_quick", secret)
    sim.configure("denies", "ins_denies", secret)
    return sim, Client(sim), secret


def _filing() -> str:
    return json.dumps(
        {
            "risk_event_id": "evt-1",
            "policy_number": "P-1",
            "event_type": "water_damage",  # a theft would wait for its police report number
            "facts": {},
            "occurred_at": "2026-11-23T07:00:00Z",
            "location": None,
        }
    )


def test_the_simulated_insurer_refuses_unsigned_or_forged_calls(simulator):
    _, client, _ = simulator
    body = _filing()
    assert client.post("/quick/claims", data=body).status_code == 401
    assert client.post("/quick/claims", data=body, headers=sign(new_secret(), body)).status_code == 401
    assert client.post("/nobody/claims", data=body).status_code == 404


def test_the_simulated_insurer_files_once_per_idempotency_key_and_follows_its_script(simulator):
    sim, client, secret = simulator
    body = _filing()
    # When the same claim is filed twice with one idempotency key
    headers = {"Idempotency-Key": "evt-1:ins_quick", "content-type": "application/json"}
    first = client.post("/quick/claims", data=body, headers={**headers, **sign(secret, body)})
    second = client.post("/quick/claims", data=body, headers={**headers, **sign(secret, body)})
    # Then it holds one claim, received first
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json() and first.get_json()["status"] == "received"
    assert len(sim.insurers["quick"].claims) == 1
    # And its progress follows the script to the end, never beyond
    reference = first.get_json()["claim_reference"]
    time.sleep(0.2)
    progress = client.get(f"/quick/claims/{reference}", headers=sign(secret, b""))
    assert progress.status_code == 200 and progress.get_json()["status"] == "paid"
    # And an insurer that denies says so only when its script gets there
    denied = client.post("/denies/claims", data=body, headers={**headers, **sign(secret, body)})
    assert denied.get_json()["status"] == "received"


def test_a_batch_whose_every_record_fails_is_reported_not_raised():
    from aws_lambda_powertools.utilities.batch import process_partial_response

    def record_handler(record) -> None:
        raise TimeoutError("insurer too slow")

    response = process_partial_response(
        event=_sqs_event(["a", "b"]), record_handler=record_handler, processor=concurrent_batch_processor()
    )
    assert sorted(f["itemIdentifier"] for f in response["batchItemFailures"]) == ["m0", "m1"]
