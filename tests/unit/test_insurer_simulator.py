"""The simulated insurers take facts learned after filing (signed, applied once per webhook-id), and their progress
can depend on them: a theft without a police report number stays `assessing` until the number arrives."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from insure.signatures import new_secret, sign
from local.simulators.insurers import InsurerProfile, InsurerSimulator

SECRET = new_secret()


@pytest.fixture
def sim() -> Iterator[InsurerSimulator]:
    simulator = InsurerSimulator(profiles=[InsurerProfile("harbor", "Harbor Insurance", latency_s=0.0, step_s=10.0)])
    simulator.start()
    simulator.configure("harbor", "ins_harbor", SECRET)
    yield simulator
    simulator.stop()


def _post(sim: InsurerSimulator, path: str, body: dict, *, message_id: str | None = None) -> requests.Response:
    raw = json.dumps(body)
    headers = {**sign(SECRET, raw, message_id=message_id), "Content-Type": "application/json"}
    return requests.post(f"{sim.base_url('harbor')}{path}", data=raw, headers=headers, timeout=5)


def _file(sim: InsurerSimulator, facts: dict) -> str:
    filed = _post(
        sim,
        "/claims",
        {
            "risk_event_id": "re_1",
            "policy_number": "HRB-1",
            "event_type": facts.get("event_type", "unknown"),
            "facts": facts,
            "occurred_at": "2026-12-01T05:00:00Z",
        },
    )
    assert filed.status_code == 201
    return str(filed.json()["claim_reference"])


def test_a_theft_waits_in_assessing_for_its_police_report_number_then_moves_on(sim: InsurerSimulator) -> None:
    insurer = sim.insurers["harbor"]
    reference = _file(sim, {"event_type": "theft"})
    claim = insurer.claims[reference]
    claim.filed_at -= 1000  # filed long ago: every step of the script would have passed by now
    # Then a theft without a police report number is still assessing
    assert insurer.status_at(claim, claim.filed_at + 1000)[0] == "assessing"
    # When the number finally arrives as facts learned later
    delivered = _post(
        sim,
        f"/claims/{reference}/facts",
        {"risk_event_id": "re_1", "facts": {"police_report_number": "NYPD-1"}, "updated_at": "2026-12-01T06:00:00Z"},
    )
    assert delivered.status_code == 204
    # Then the claim moves on one step per step_s from the number's arrival
    arrived = claim.unblocked_at
    assert arrived is not None
    assert insurer.status_at(claim, arrived + 1)[0] == "assessing"
    assert insurer.status_at(claim, arrived + 10.5)[0] == "approved"
    assert insurer.status_at(claim, arrived + 20.5)[0] == "paid"


def test_a_claim_filed_with_its_police_report_number_follows_the_script(sim: InsurerSimulator) -> None:
    insurer = sim.insurers["harbor"]
    claim = insurer.claims[_file(sim, {"event_type": "theft", "police_report_number": "NYPD-2"})]
    assert insurer.status_at(claim, claim.filed_at + 35)[0] == "paid"


def test_facts_are_applied_once_per_webhook_id_and_must_be_signed(sim: InsurerSimulator) -> None:
    reference = _file(sim, {"event_type": "loss"})
    body = {"risk_event_id": "re_1", "facts": {"description": "left on the 7 train"}, "updated_at": "x"}
    # When the same delivery is retried, then a second one arrives
    for message_id in ("msg_a", "msg_a", "msg_b"):
        assert _post(sim, f"/claims/{reference}/facts", body, message_id=message_id).status_code == 204
    # Then each was applied once
    (listed,) = requests.get(f"{sim.base_url('harbor')}/claims", headers=sign(SECRET, ""), timeout=5).json()["claims"]
    assert [u["webhook_id"] for u in listed["facts_updates"]] == ["msg_a", "msg_b"]
    assert listed["facts"]["description"] == "left on the 7 train"
    # And an unsigned delivery is 401, one for an unknown claim 404
    unsigned = requests.post(f"{sim.base_url('harbor')}/claims/{reference}/facts", json=body, timeout=5)
    assert unsigned.status_code == 401
    assert _post(sim, "/claims/NOPE/facts", body).status_code == 404


def test_the_notes_read_as_a_person_at_the_insurer_writes_them(sim: InsurerSimulator, monkeypatch) -> None:
    insurer = sim.insurers["harbor"]
    reference = _file(sim, {"event_type": "loss"})
    claim = insurer.claims[reference]
    claim.filed_at -= 15  # two steps of the script have passed: received, then assessing
    # When the platform polls the claim
    polled = requests.get(f"{sim.base_url('harbor')}/claims/{reference}", headers=sign(SECRET, ""), timeout=5)
    # Then its note is a sentence, not a status code
    assert polled.json()["note"] == "Harbor Insurance: we are assessing your claim"
    # And so are the notes it pushes
    pushed: list[dict] = []
    monkeypatch.setattr(sim, "push", lambda slug, body, message_id=None: pushed.append(json.loads(body)) or True)
    sim._push_due(insurer, claim)
    assert [p["note"] for p in pushed] == [
        "Harbor Insurance: we have received your claim",
        "Harbor Insurance: we are assessing your claim",
    ]
