"""Risk-event intake over HTTP on the running local cloud, as scanners and web clients call it."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import pytest

from insure.signatures import new_secret, sign

CUSTOMER = {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com", "date_of_birth": "1985-12-10"}
LOCATION = {"lat": 51.5072, "lon": -0.1276, "accuracy_m": 35.0, "method": "wifi"}


@pytest.fixture(scope="module")
def intake(cloud):
    """A registered scanner and a tag covered by the local cloud's simulated insurers."""
    deadline = time.monotonic() + 30  # the simulated insurers register right after the API answers
    while True:
        insurers = cloud.http.get(f"{cloud.url}/insurers", headers=cloud.admin()).json()["insurers"]
        if len(insurers) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(insurers) >= 2
    device = cloud.http.post(f"{cloud.url}/devices", json={"name": "e2e scanner"}, headers=cloud.admin()).json()
    tag_id = f"TAG-e2e-{uuid.uuid4().hex[:8]}"
    policies = [
        {"insurer_id": i["insurer_id"], "policy_number": f"POL-{uuid.uuid4().hex[:8]}", "product": "computer"}
        for i in insurers[:2]
    ]
    tag = {
        "tag_id": tag_id,
        "kind": "rfid",
        "object": {"description": "Laptop"},
        "customer": CUSTOMER,
        "policies": policies,
    }
    created = cloud.http.post(f"{cloud.url}/tags", json=tag, headers=cloud.admin())
    assert created.status_code == 201, created.text
    return {"device": device, "tag_id": tag_id, "insurer_ids": {p["insurer_id"] for p in policies}}


def scan(cloud, intake, *, secret: str | None = None, scan_id: str | None = None, reporter: dict | None = None):
    body = {
        "scan_id": scan_id or f"e2e-{uuid.uuid4().hex}",
        "tag_id": intake["tag_id"],
        "device_id": intake["device"]["device_id"],
        "scanned_at": datetime.now(tz=UTC).isoformat(),
        "location": LOCATION,
    }
    if reporter:
        body["reporter"] = reporter
    raw = json.dumps(body).encode()
    headers = {**sign(secret or intake["device"]["secret"], raw), "Content-Type": "application/json"}
    return cloud.http.post(f"{cloud.url}/scans", data=raw, headers=headers)


def test_customer_scan_opens_an_event_every_insurer_picks_up_and_facts_change_guidance(cloud, intake):
    # Given the customer scans their tag
    opened = scan(cloud, intake, reporter={"name": "Ada Lovelace", "phone": "(212) 555-0100"})
    assert opened.status_code == 202
    url = f"{cloud.url}/risk-events/{opened.json()['risk_event_id']}"
    auth = {"Authorization": f"Bearer {opened.json()['reporter_token']}"}
    # When they read the event
    event = cloud.http.get(url, headers=auth)
    # Then it is theirs, with every insurer on the timeline
    assert event.status_code == 200
    assert event.json()["reporter_is_customer"] is True
    assert {i["insurer_id"] for i in event.json()["insurers"]} == intake["insurer_ids"]
    # And polling with the ETag answers 304 until something changes
    etag = event.headers["ETag"]
    assert cloud.http.get(url, headers={**auth, "If-None-Match": etag}).status_code in (200, 304)
    # When facts arrive, guidance puts safety first
    facts = cloud.http.post(f"{url}/facts", json={"event_type": "fire", "people_trapped": True}, headers=auth)
    assert facts.status_code == 200
    assert facts.json()["guidance"][0]["rule_id"] == "call-911"
    # And the simulated insurers move past pending on their own
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = {i["status"] for i in cloud.http.get(url, headers=auth).json()["insurers"]}
        if "pending" not in statuses:
            break
        time.sleep(0.3)
    assert "pending" not in statuses


def test_third_party_scan_over_http_opens_two_linked_events(cloud, intake):
    opened = scan(cloud, intake, reporter={"name": "A Passer-by", "phone": "+13125550111"})
    assert opened.status_code == 202
    own = cloud.http.get(
        f"{cloud.url}/risk-events/{opened.json()['risk_event_id']}",
        headers={"Authorization": f"Bearer {opened.json()['reporter_token']}"},
    ).json()
    assert own["reporter_is_customer"] is False
    assert len(own["related_event_ids"]) == 1
    # the person on site sees each of the owner's insurers' statuses, never the owner's claims' details
    assert own["insurers"] and all(i["claim_reference"] is None and i["policy_number"] is None for i in own["insurers"])
    assert any(g["rule_id"] == "third-party-report-recorded" for g in own["guidance"])


def test_forged_scan_is_401_and_a_repeated_scan_id_returns_the_same_event(cloud, intake):
    assert scan(cloud, intake, secret=new_secret()).status_code == 401
    scan_id = f"e2e-dup-{uuid.uuid4().hex}"
    first, second = scan(cloud, intake, scan_id=scan_id), scan(cloud, intake, scan_id=scan_id)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()


def test_web_report_and_reporter_auth(cloud, intake):
    report = {"tag_id": intake["tag_id"], "reporter": {"name": "Ada Lovelace", "email": "ADA@example.com"}}
    opened = cloud.http.post(f"{cloud.url}/risk-events", json=report)
    assert opened.status_code == 201
    url = f"{cloud.url}/risk-events/{opened.json()['risk_event_id']}"
    assert cloud.http.get(url).status_code == 401
    assert cloud.http.get(url, headers={"Authorization": "Bearer rt_nope"}).status_code == 401
    assert cloud.http.get(url, headers={"Authorization": f"Bearer {opened.json()['reporter_token']}"}).json()[
        "reporter_is_customer"
    ]
