"""Live progress over a real WebSocket on the running local cloud: the same protocol as API Gateway's WebSocket
API ($connect with the reporter token, subscribe messages, pushes through the management API)."""

from __future__ import annotations

import json
import re
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from scripts.demo_risk import SETTLED, open_event_by_scan, registered_insurers


@pytest.fixture(scope="module")
def live_url(cloud) -> str:
    """The local WebSocket gateway's URL, as the running cloud printed it at start."""
    found = re.search(r"Live\s+(ws://\S+)", cloud.log.read_text())
    assert found, "the local cloud did not print its WebSocket URL"
    return found.group(1)


def _open(cloud, label: str):
    ids = [i["insurer_id"] for i in registered_insurers(cloud.http, cloud.url, cloud.admin_key, at_least=3)][:3]
    return open_event_by_scan(cloud.http, cloud.url, cloud.admin_key, ids, label=label)


def test_a_subscriber_sees_every_insurer_progress_live_until_all_settle(cloud, live_url):
    # Given a reporter connected with their token right after the scan
    event = _open(cloud, "e2e-live")
    with connect(f"{live_url}?risk_event_id={event.risk_event_id}&token={event.reporter_token}") as socket:
        # When they subscribe (which also answers with a snapshot) and listen
        socket.send(
            json.dumps({"action": "subscribe", "risk_event_id": event.risk_event_id, "token": event.reporter_token})
        )
        latest: dict[str, str] = {}
        kinds: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(latest) == len(event.insurer_ids) and all(s in SETTLED for s in latest.values()):
                break
            try:
                message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            except TimeoutError:
                break
            kinds.append(message["type"])
            if message["type"] == "snapshot":
                latest.update({i["insurer_id"]: i["status"] for i in message["insurers"]})
            elif message["type"] == "insurer_progress":
                insurer = message["insurer"]
                assert message["risk_event_id"] == event.risk_event_id
                latest[insurer["insurer_id"]] = insurer["status"]
    # Then pushes arrived for each insurer and every one of them reached a final status
    assert "snapshot" in kinds and kinds.count("insurer_progress") >= len(event.insurer_ids)
    assert set(latest) == set(event.insurer_ids)
    assert all(s in SETTLED for s in latest.values()), latest


def test_a_bad_token_is_refused_at_connect_and_on_subscribe(cloud, live_url):
    event = _open(cloud, "e2e-live-bad")
    # A wrong token refuses the handshake with 401
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{live_url}?risk_event_id={event.risk_event_id}&token=not-a-token")
    assert refused.value.response.status_code == 401
    # A subscribe message with a wrong token is answered with an error and no snapshot
    with connect(live_url) as socket:
        socket.send(json.dumps({"action": "subscribe", "risk_event_id": event.risk_event_id, "token": "nope"}))
        answer = json.loads(socket.recv(timeout=10))
    assert answer["type"] == "error" and answer["status"] == 401
