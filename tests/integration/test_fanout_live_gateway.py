"""The local WebSocket gateway speaks API Gateway's protocol: $connect/$default/$disconnect events for the declared
function, a non-2xx $connect refuses the handshake, and boto3's `apigatewaymanagementapi` reaches the socket
(`post_to_connection`), with GoneException once it is closed."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local.websocket import LocalWebSocketGateway


class RecordingFunctions:
    """Stands in for the functions host: records the events and refuses tokens other than `good`."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.connected = threading.Event()
        self.closed = threading.Event()

    def invoke(self, name: str, event: dict) -> dict:
        self.events.append(event)
        route = event["requestContext"]["routeKey"]
        if route == "$connect":
            if (event.get("queryStringParameters") or {}).get("token") != "good":
                return {"statusCode": 401, "body": "bad token"}
            self.connected.set()
        if route == "$disconnect":
            self.closed.set()
        return {"statusCode": 200}


@dataclass
class FakeCloud:
    functions: RecordingFunctions = field(default_factory=RecordingFunctions)


@pytest.fixture
def gateway(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("WEBSOCKET_CALLBACK_URL", "")  # the gateway sets both; monkeypatch restores them after
    monkeypatch.setenv("WEBSOCKET_URL", "")
    cloud = FakeCloud()
    gateway = LocalWebSocketGateway()
    gateway.start(cloud)  # type: ignore[arg-type]
    yield gateway, cloud.functions
    gateway.stop()


def test_a_refused_connect_is_a_refused_handshake(gateway):
    gw, _ = gateway
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{gw.url}?token=bad")
    assert refused.value.response.status_code == 401


def test_messages_become_default_events_and_the_management_api_reaches_the_socket(gateway):
    gw, functions = gateway
    management = boto3.client("apigatewaymanagementapi", endpoint_url=gw.callback_url, region_name="us-east-1")
    with connect(f"{gw.url}?token=good&risk_event_id=re_1") as socket:
        assert functions.connected.wait(5)
        connect_event = functions.events[0]
        connection_id = connect_event["requestContext"]["connectionId"]
        assert connect_event["queryStringParameters"] == {"token": "good", "risk_event_id": "re_1"}
        # A message from the client reaches the function as $default with its body
        socket.send(json.dumps({"action": "subscribe"}))
        # A push through the management API reaches the client
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "hello"}')
        assert json.loads(socket.recv(timeout=5)) == {"type": "hello"}
    assert functions.closed.wait(5)
    routes = [e["requestContext"]["routeKey"] for e in functions.events]
    assert routes == ["$connect", "$default", "$disconnect"]
    assert json.loads(functions.events[1]["body"]) == {"action": "subscribe"}
    # Once closed, the connection is gone, as API Gateway says it
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"late")
