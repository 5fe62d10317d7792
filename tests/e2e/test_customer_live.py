"""A customer and a finder watching the same incident live over the local WebSocket, on the running local cloud:
the customer lists her risk events and subscribes with her access token (no reporter token needed); the finder
who reported subscribes with their reporter token and sees each of the owner's insurers' statuses by name, never
the claim's reference, policy or notes; a token that is not theirs is refused."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.test_accounts import PASSWORD
from tests.e2e.test_issuance import Session

FINDER = {"name": "Fran Finder", "phone": "+13125550177"}
DESK = "ins_platform"


def _until(what: Callable[[], Any], *, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = what()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _signed_in_customer(cloud) -> tuple[str, str]:
    """A person who bought a computer policy and made an account: (policy number, access token)."""
    session = Session(cloud).accepted()
    number = session.issued(session.pay())["policy_number"]
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    assert session.call("POST", "/accounts", json={"email": email, "password": PASSWORD}).status_code == 201
    login = cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return number, login.json()["access_token"]


def _desk_status(socket: Any, risk_event_id: str, status: str, *, timeout_s: float = 20.0) -> dict[str, Any]:
    """The first live message on `socket` showing the claims desk at `status` (snapshot or push)."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        shown = message.get("insurers") or ([message["insurer"]] if "insurer" in message else [])
        for insurer in shown:
            if insurer["insurer_id"] == DESK and insurer["status"] == status:
                assert message["risk_event_id"] == risk_event_id
                return dict(insurer)


def _snapshot(socket: Any, *, timeout_s: float = 10.0) -> dict[str, Any]:
    """The snapshot answering a subscribe message. The connection already watches from `$connect` (its query
    parameters subscribe it), so a progress push made meanwhile (the desk recording its claim) may come first: the
    order is not part of the contract, a client applies both kinds alike."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        assert message["type"] in {"snapshot", "insurer_progress"}, message
        if message["type"] == "snapshot":
            return dict(message)


def test_the_customer_and_the_finder_watch_the_owners_insurers_live_each_with_their_own_token(cloud):
    http, url = cloud.http, cloud.url
    live = re.search(r"Live\s+(ws://\S+)", cloud.log.read_text())
    assert live, "the local cloud did not print its WebSocket URL"
    # Given Ada, signed in, whose laptop a finder reports
    number, access_token = _signed_in_customer(cloud)
    access = {"Authorization": f"Bearer {access_token}"}
    opened = http.post(f"{url}/risk-events", json={"policy_number": number, "reporter": FINDER})
    assert opened.status_code == 201, opened.text
    finders_event, finders_token = opened.json()["risk_event_id"], opened.json()["reporter_token"]
    finder = {"Authorization": f"Bearer {finders_token}"}
    (adas_event,) = http.get(f"{url}/risk-events/{finders_event}", headers=finder).json()["related_event_ids"]
    # When Ada lists her risk events, the finder's report is there, with the claims desk by name
    (listed,) = http.get(f"{url}/me/risk-events", headers=access).json()["risk_events"]
    assert listed["risk_event_id"] == adas_event
    assert [i["name"] for i in listed["insurers"]] == ["Platform claims desk"]

    def desk_claim() -> str | None:
        claims = http.get(f"{url}/claims", headers=cloud.admin()).json()["claims"]
        return next((c["claim_reference"] for c in claims if c["risk_event_id"] == adas_event), None)

    reference = _until(desk_claim)
    assert reference, "the claims desk received no claim"
    # And both subscribe live: Ada with her access token, the finder with their reporter token
    with (
        connect(f"{live.group(1)}?risk_event_id={adas_event}&token={access_token}") as adas,
        connect(f"{live.group(1)}?risk_event_id={finders_event}&token={finders_token}") as finders,
    ):
        for socket, event, token in ((adas, adas_event, access_token), (finders, finders_event, finders_token)):
            socket.send(json.dumps({"action": "subscribe", "risk_event_id": event, "token": token}))
            snapshot = _snapshot(socket)
            assert snapshot["risk_event_id"] == event and [i["name"] for i in snapshot["insurers"]] == [
                "Platform claims desk"
            ]
        # And an adjuster moves the desk's claim with a note
        moved = http.post(
            f"{url}/claims/{reference}/status",
            json={"status": "assessing", "note": "Adjuster Kim assigned; calls Ada at 3pm"},
            headers=cloud.admin(),
        )
        assert moved.status_code == 200, moved.text
        # Then Ada sees it live, with the note and her claim's reference
        hers = _desk_status(adas, adas_event, "assessing")
        assert hers["name"] == "Platform claims desk" and hers["claim_reference"] == reference
        assert hers["history"][-1]["note"] == "Adjuster Kim assigned; calls Ada at 3pm"
        # And the finder sees the same status live, on their own event, without the claim's details
        theirs = _desk_status(finders, finders_event, "assessing")
        assert theirs["name"] == "Platform claims desk"
        assert theirs["claim_reference"] is None and theirs["policy_number"] is None
        assert all(entry["note"] is None for entry in theirs["history"])
    # And a token that is not theirs is refused: a made-up access token 401, the finder's token on Ada's event 404
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{live.group(1)}?risk_event_id={adas_event}&token=at_made_up")
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as elsewhere:
        connect(f"{live.group(1)}?risk_event_id={adas_event}&token={finders_token}")
    assert elsewhere.value.response.status_code == 404
