"""One customer across both halves, over HTTP on the running local cloud: a computer policy bought here carries a
tag; a finder scans it; the platform's own claims desk and another registered insurer each receive exactly one
claim with the facts and the insured; the finder adds the police report number and both insurers receive it; an
adjuster approves the platform's claim and the customer sees it live. The customer's text naming the finder's
location and each insurer's salesperson's e-mail really arrive at the local mail and SMS gateway, once, and the
finder is then told the owner knows."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.sync.client import connect

from insure.signatures import sign
from local.simulators.insurers import InsurerProfile, InsurerSimulator
from tests.e2e.test_accounts import gateway_url
from tests.e2e.test_issuance import Session

FINDER = {"name": "Fran Finder", "phone": "+13125550177"}
AGREES = {"share_contact_with_insurers": True}  # the finder agrees their contact goes with the claim
FOUND_AT = {"lat": 40.7527, "lon": -73.9772, "accuracy_m": 8.0, "method": "gps"}
ADA = {"name": "Ada Lovelace", "phone": "+12125550100"}


@pytest.fixture(scope="module")
def harbor(cloud) -> Iterator[tuple[InsurerSimulator, str]]:
    """Another insurer with its own claims API, registered with the running platform (its claims readable here)."""
    sim = InsurerSimulator(profiles=[InsurerProfile("harbor", "Harbor Insurance", latency_s=0.01, step_s=1.0)])
    sim.start()
    created = cloud.http.post(
        f"{cloud.url}/insurers",
        json={
            "name": "Harbor Insurance (e2e)",
            "base_url": sim.base_url("harbor"),
            "salesperson": {"name": "Hal Harbor", "email": "hal@harbor.example", "phone": "+12125550142"},
        },
        headers=cloud.admin(),
    )
    assert created.status_code == 201, created.text
    sim.configure("harbor", created.json()["insurer_id"], created.json()["webhook_secret"])
    yield sim, created.json()["insurer_id"]
    sim.stop()


def _until(what: Callable[[], Any], *, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = what()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_finders_scan_of_an_own_policy_tag_reaches_the_claims_desk_and_every_insurer(cloud, harbor):
    sim, harbor_id = harbor
    http, url = cloud.http, cloud.url
    # Given Ada bought a computer policy here, and added the policy Harbor wrote on the same laptop
    session = Session(cloud).accepted()
    number = session.issued(session.pay())["policy_number"]
    (item,) = session.call("GET", f"/policies/{number}").json()["items"]
    tag_id = item["tag_id"]
    assert item["tag_url"].endswith(f"/t/{tag_id}")
    added = session.call(
        "POST",
        f"/policies/{number}/items/{item['item_id']}/policies",
        json={"insurer_id": harbor_id, "policy_number": "HRB-E2E-1", "product": "computer"},
    )
    assert added.status_code == 201, added.text
    # When a finder scans the laptop's tag
    device = http.post(f"{url}/devices", json={"name": "finder's phone"}, headers=cloud.admin()).json()
    scan = json.dumps(
        {
            "scan_id": f"e2e-{uuid.uuid4().hex}",
            "tag_id": tag_id,
            "device_id": device["device_id"],
            "scanned_at": datetime.now(tz=UTC).isoformat(),
            "location": FOUND_AT,
            "reporter": {**FINDER, **AGREES},
        }
    )
    scanned = http.post(
        f"{url}/scans", data=scan, headers={**sign(device["secret"], scan), "Content-Type": "application/json"}
    )
    assert scanned.status_code == 202, scanned.text
    finder = {"Authorization": f"Bearer {scanned.json()['reporter_token']}"}
    finder_event = http.get(f"{url}/risk-events/{scanned.json()['risk_event_id']}", headers=finder).json()
    (customer_event_id,) = finder_event["related_event_ids"]

    def desk_claims() -> list[dict]:
        claims = http.get(f"{url}/claims", headers=cloud.admin()).json()["claims"]
        return [c for c in claims if c["risk_event_id"] == customer_event_id]

    # Then the platform's claims desk and Harbor each receive exactly one claim, with the facts and the insured
    assert _until(lambda: desk_claims() and sim.insurers["harbor"].claims)
    (desk,) = desk_claims()
    (filed,) = [c for c in sim.insurers["harbor"].claims.values() if c.body["risk_event_id"] == customer_event_id]
    for claim in (desk, filed.body):
        assert claim["insured"]["name"] == "Ada Lovelace" and claim["insured"]["phone"] == "+12125550100"
        assert claim["object"]["description"] == "Dell XPS 13 (portable)"
        assert claim["location"] == FOUND_AT
        assert claim["reporter"] == {"role": "third_party", **FINDER}  # with the finder's consent only
    assert desk["policy_number"] == number and filed.body["policy_number"] == "HRB-E2E-1"
    # And the customer's text naming the finder and where they found it arrives at the gateway, once
    outbox = f"{gateway_url(cloud)}/messages"

    def sent_to(to: str, words: str) -> list[dict]:
        messages = http.get(outbox, params={"to": to}, timeout=5).json()["messages"]
        return [m for m in messages if words in (m["subject"] or "") + m["body"]]

    finder_words = "Fran Finder reported on your Dell XPS 13 (portable) near 40.75270, -73.97720 (within 8 m, by gps)"
    texts = _until(lambda: sent_to(ADA["phone"], finder_words))
    assert texts and texts[0]["channel"] == "sms"
    # And each insurer's salesperson gets one e-mail about the claim filed with their insurer
    hal = _until(lambda: sent_to("hal@harbor.example", customer_event_id))
    desk_sales = _until(lambda: sent_to("sales@insurance-platform.example", customer_event_id))
    assert [m["subject"] for m in hal] == [f"Claim {filed.claim_reference} filed with Harbor Insurance (e2e)"]
    assert [m["subject"] for m in desk_sales] == [f"Claim {desk['claim_reference']} filed with Platform claims desk"]
    # And the finder's guidance now says the owner was told, with the time
    told = _until(
        lambda: [
            g["text"]
            for g in http.get(f"{url}/risk-events/{finder_event['risk_event_id']}", headers=finder).json()["guidance"]
            if g["rule_id"] == "third-party-owner-notified"
        ]
    )
    assert told and told[0].startswith("We told the owner on ")
    # When the finder adds what they know, with the police report number
    facts = http.post(
        f"{url}/risk-events/{finder_event['risk_event_id']}/facts",
        json={"event_type": "theft", "police_report_number": "NYPD-88-1234"},
        headers=finder,
    )
    assert facts.status_code == 200, facts.text
    # Then both insurers receive it
    assert _until(lambda: filed.facts().get("police_report_number") == "NYPD-88-1234")
    desk_ref = desk["claim_reference"]

    def desk_facts() -> dict:
        return dict(http.get(f"{url}/claims/{desk_ref}", headers=cloud.admin()).json()["facts"])

    assert _until(lambda: desk_facts().get("police_report_number") == "NYPD-88-1234")
    assert len(filed.facts_updates) == 1
    # And Ada, reporting on her laptop, gets her event, which shows both insurers have the latest facts
    mine = http.post(f"{url}/risk-events", json={"tag_id": tag_id, "reporter": ADA})
    assert mine.status_code == 201, mine.text
    assert mine.json()["risk_event_id"] == customer_event_id
    ada = {"Authorization": f"Bearer {mine.json()['reporter_token']}"}

    def up_to_date() -> bool:
        shown = http.get(f"{url}/risk-events/{customer_event_id}", headers=ada).json()["insurers"]
        return len(shown) == 2 and all(i["latest_facts_delivered"] for i in shown)

    assert _until(up_to_date)
    # When an adjuster approves the platform's claim, Ada sees it live
    live_url = re.search(r"Live\s+(ws://\S+)", cloud.log.read_text())
    assert live_url
    token = mine.json()["reporter_token"]
    with connect(f"{live_url.group(1)}?risk_event_id={customer_event_id}&token={token}") as socket:
        socket.send(json.dumps({"action": "subscribe", "risk_event_id": customer_event_id, "token": token}))
        for status, note in (("assessing", "Adjuster assigned"), ("approved", "Police report on file")):
            moved = http.post(
                f"{url}/claims/{desk_ref}/status", json={"status": status, "note": note}, headers=cloud.admin()
            )
            assert moved.status_code == 200, moved.text
        seen: list[str] = []
        deadline = time.monotonic() + 20
        while "approved" not in seen and time.monotonic() < deadline:
            try:
                message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            except TimeoutError:
                break
            if message["type"] == "insurer_progress" and message["insurer"]["insurer_id"] == "ins_platform":
                seen.append(message["insurer"]["status"])
    assert "approved" in seen
    shown = http.get(f"{url}/risk-events/{customer_event_id}", headers=ada).json()
    (platform_claim,) = [i for i in shown["insurers"] if i["insurer_id"] == "ins_platform"]
    assert platform_claim["status"] == "approved" and platform_claim["history"][-1]["note"] == "Police report on file"
