"""Claims carry what an insurer needs, and facts learned after filing reach every insurer already filed with: on
moto with the real handlers and simulated insurers over HTTP. A facts delivery goes through the queue (retried
when an insurer fails), is applied once by the insurer whatever the redeliveries, and the reporter sees per
insurer whether it has the latest facts."""

from __future__ import annotations

import json

import boto3
import pytest

from local.simulators.insurers import InsurerProfile, InsurerSimulator
from local.sqs_poller import to_event

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
SALES = {"name": "Sam Sales", "email": "sam@insurer.example", "phone": "+12125550123"}
CUSTOMER = {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com"}
LOCATION = {"lat": 40.7128, "lon": -74.006, "accuracy_m": 15.0, "method": "gps"}


@pytest.fixture
def world(platform, monkeypatch):
    """Two simulated insurers (one of them can be made to fail) covering one tagged laptop."""
    from insure.settings import get_settings

    monkeypatch.setenv("INSURER_POLL_INTERVAL_S", "0")
    get_settings.cache_clear()
    sim = InsurerSimulator(
        profiles=[
            InsurerProfile("steady", "Steady Mutual", latency_s=0.0, step_s=3600),
            InsurerProfile("flaky", "Flaky Re", latency_s=0.0, step_s=3600),
        ]
    )
    sim.start()
    admin = {"Authorization": f"Bearer {platform.admin_key}"}
    ids = {}
    for slug, insurer in sim.insurers.items():
        created = platform.api.post(
            "/insurers",
            json={"name": insurer.profile.name, "base_url": sim.base_url(slug), "salesperson": SALES},
            headers=admin,
        )
        sim.configure(slug, created.json["insurer_id"], created.json["webhook_secret"])
        ids[slug] = created.json["insurer_id"]
    tag = {
        "tag_id": "TAG-FACTS-1",
        "kind": "rfid",
        "object": {"description": "ThinkPad X1", "serial_number": "PF-123"},
        "customer": CUSTOMER,
        "policies": [{"insurer_id": ids[slug], "policy_number": f"POL-{slug}", "product": "computer"} for slug in ids],
    }
    assert platform.api.post("/tags", json=tag, headers=admin).status_code == 201
    try:
        yield platform, sim, ids
    finally:
        sim.stop()
        get_settings.cache_clear()


def _queued() -> list[dict]:
    from insure.settings import get_settings

    sqs, url = boto3.client("sqs"), get_settings().insurer_requests_queue_url
    messages: list[dict] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        messages += batch
    return [m for m in messages if json.loads(m["Body"])["kind"] != "poll"]  # polls are not this story's


def _deliver(platform, messages: list[dict]) -> set[str]:
    """One batch through the fan-out function; the ids of the records it reported as failed."""
    result = platform.functions.invoke("insurer_fanout", to_event(messages, QUEUE_ARN))
    return {f["itemIdentifier"] for f in result["batchItemFailures"]}


def _report(platform, facts: dict | None = None) -> tuple[str, dict[str, str]]:
    body = {"tag_id": "TAG-FACTS-1", "reporter": {"name": "Ada Lovelace", "phone": CUSTOMER["phone"]}}
    body["location"] = LOCATION
    if facts:
        body["facts"] = facts
    opened = platform.api.post("/risk-events", json=body)
    assert opened.status_code == 201, opened.json
    return opened.json["risk_event_id"], {"Authorization": f"Bearer {opened.json['reporter_token']}"}


def _insurers(platform, event_id: str, auth: dict[str, str]) -> dict[str, dict]:
    return {i["insurer_id"]: i for i in platform.api.get(f"/risk-events/{event_id}", headers=auth).json["insurers"]}


def test_the_filing_carries_the_event_the_insured_the_object_and_the_reporter(world):
    platform, sim, _ = world
    _report(platform, {"event_type": "theft", "description": "Taken from a cafe table"})
    # When the fan-out files the claims
    assert _deliver(platform, _queued()) == set()
    # Then each insurer received one claim with everything it needs to act
    for slug in ("steady", "flaky"):
        (claim,) = sim.insurers[slug].claims.values()
        body = claim.body
        assert body["event_type"] == "theft" and body["facts"]["description"] == "Taken from a cafe table"
        assert body["policy_number"] == f"POL-{slug}"
        assert body["location"] == LOCATION and body["occurred_at"]
        assert body["insured"] == CUSTOMER
        assert body["object"] == {"description": "ThinkPad X1", "serial_number": "PF-123"}
        assert body["reporter"] == {"role": "customer", "name": "Ada Lovelace", "phone": CUSTOMER["phone"]}


def test_facts_learned_later_reach_every_insurer_filed_with_retried_and_applied_once(world):
    platform, sim, ids = world
    event_id, auth = _report(platform, {"event_type": "theft"})
    assert _deliver(platform, _queued()) == set()
    # Given both insurers hold the claim with the facts known then
    assert {i: p["latest_facts_delivered"] for i, p in _insurers(platform, event_id, auth).items()} == {
        ids["steady"]: True,
        ids["flaky"]: True,
    }
    # When the police report number is learned
    added = platform.api.post(
        f"/risk-events/{event_id}/facts", json={"police_report_number": "NYPD-2211"}, headers=auth
    )
    assert added.status_code == 200
    # Then each insurer is shown as not having the latest facts yet
    assert {p["latest_facts_delivered"] for p in added.json["insurers"]} == {False}
    facts_messages = _queued()
    assert sorted(json.loads(m["Body"])["insurer_id"] for m in facts_messages) == sorted(ids.values())
    # When one insurer is down at the first delivery
    sim.insurers["flaky"].profile.failure_rate = 1.0
    failed = _deliver(platform, facts_messages)
    # Then its record fails (SQS delivers it again) while the other insurer has the number
    flaky_message = [m for m in facts_messages if json.loads(m["Body"])["insurer_id"] == ids["flaky"]]
    assert failed == {flaky_message[0]["MessageId"]}
    shown = _insurers(platform, event_id, auth)
    assert (shown[ids["steady"]]["latest_facts_delivered"], shown[ids["flaky"]]["latest_facts_delivered"]) == (
        True,
        False,
    )
    # When the redelivery finds it up again, and the whole batch is then delivered once more (a duplicate)
    sim.insurers["flaky"].profile.failure_rate = 0.0
    assert _deliver(platform, flaky_message) == set()
    assert _deliver(platform, facts_messages) == set()
    # Then every insurer has the number, each applied the delivery once
    for slug in ("steady", "flaky"):
        (claim,) = sim.insurers[slug].claims.values()
        assert claim.facts()["police_report_number"] == "NYPD-2211"
        assert len(claim.facts_updates) == 1
    assert {p["latest_facts_delivered"] for p in _insurers(platform, event_id, auth).values()} == {True}


def test_facts_learned_before_an_insurer_answered_reach_it_with_its_first_answer(world):
    platform, sim, _ = world
    event_id, auth = _report(platform, {"event_type": "theft"})
    filings = _queued()
    # Given the police report number arrives while the claims are still queued (filed with the older facts)
    platform.api.post(f"/risk-events/{event_id}/facts", json={"police_report_number": "NYPD-7"}, headers=auth)
    assert _queued() == []  # nobody to forward to yet
    # When the filings are delivered
    assert _deliver(platform, filings) == set()
    # Then each insurer got the claim and, right after, the facts it lacked
    for slug in ("steady", "flaky"):
        (claim,) = sim.insurers[slug].claims.values()
        assert "police_report_number" not in claim.body["facts"]
        assert claim.facts()["police_report_number"] == "NYPD-7"
    assert {p["latest_facts_delivered"] for p in _insurers(platform, event_id, auth).values()} == {True}
