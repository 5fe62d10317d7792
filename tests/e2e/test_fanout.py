"""Every insurer at once, on the running local cloud: the simulated insurers are registered at start, one scan
reaches each of them, and each one's progress (polled or pushed by webhook) ends in a final status."""

from __future__ import annotations

import json
import time

from insure.signatures import sign
from scripts.demo_risk import SETTLED, open_event_by_scan, read_event, registered_insurers


def _settled(cloud, event, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = read_event(cloud.http, cloud.url, event)
        insurers = body.get("insurers", [])
        if len(insurers) == len(event.insurer_ids) and all(i["status"] in SETTLED for i in insurers):
            return body
        assert time.monotonic() < deadline, f"not settled: {json.dumps(insurers)[:800]}"
        time.sleep(0.25)


def test_the_local_cloud_registers_its_simulated_insurers(cloud):
    insurers = registered_insurers(cloud.http, cloud.url, cloud.admin_key, at_least=3)
    # (other tests on this cloud register insurers of their own, e.g. the back office page: look at the simulated)
    simulated = [i for i in insurers if i["name"] in ("Acme Mutual", "Harbor Insurance", "Granite Re")]
    assert {i["name"] for i in simulated} == {"Acme Mutual", "Harbor Insurance", "Granite Re"}
    assert all(i["base_url"].startswith("http://127.0.0.1:") for i in simulated)
    assert "whsec_" not in json.dumps(insurers)


def test_one_scan_reaches_every_insurer_and_each_progresses_to_a_final_status(cloud):
    # Given a tag covered by the three simulated insurers
    insurers = registered_insurers(cloud.http, cloud.url, cloud.admin_key, at_least=3)
    by_name = {i["name"]: i["insurer_id"] for i in insurers}
    ids = [by_name["Acme Mutual"], by_name["Harbor Insurance"], by_name["Granite Re"]]
    # When the tag is scanned
    event = open_event_by_scan(cloud.http, cloud.url, cloud.admin_key, ids, label="e2e-fanout")
    # Then every insurer received a claim and reached a final status, never moving backwards
    body = _settled(cloud, event)
    statuses = {i["insurer_id"]: i for i in body["insurers"]}
    order = ["pending", "unreachable", "received", "assessing", "approved", "denied", "paid", "closed"]
    for insurer in statuses.values():
        ranks = [order.index(h["status"]) for h in insurer["history"]]
        assert ranks == sorted(ranks)
        assert insurer["history"][0]["status"] == "pending"
    assert statuses[by_name["Acme Mutual"]]["status"] == "paid"
    assert statuses[by_name["Harbor Insurance"]]["status"] == "paid"
    assert statuses[by_name["Granite Re"]]["status"] in ("denied", "unreachable")
    # And Acme Mutual's progress came (at least partly) by its signed webhooks
    assert "webhook" in {h["source"] for h in statuses[by_name["Acme Mutual"]]["history"]}
    assert all(statuses[i]["claim_reference"] for i in ids if statuses[i]["status"] != "unreachable")


def test_insurer_webhooks_are_verified_on_the_running_cloud(cloud):
    insurers = registered_insurers(cloud.http, cloud.url, cloud.admin_key)
    insurer_id = insurers[0]["insurer_id"]
    body = json.dumps(
        {"risk_event_id": "re_x", "claim_reference": "R", "status": "paid", "updated_at": "2026-11-23T07:00:00Z"}
    )
    forged = sign("whsec_" + "QUJD" * 11, body)
    response = cloud.http.post(
        f"{cloud.url}/webhooks/insurers/{insurer_id}",
        data=body,
        headers={"content-type": "application/json", **forged},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
