"""The local API Gateway front: REST v1 proxy events, throttling and payload limits."""

from __future__ import annotations

import json

from werkzeug.test import Client

from local.api_gateway import ApiGateway, TokenBucket


class EchoHost:
    """A functions host that echoes the proxy event it receives."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def invoke(self, name: str, event: dict) -> dict:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"fn": name})}


def test_request_becomes_a_rest_proxy_event_for_the_declared_function(monkeypatch):
    import declaration
    from declaration.model import Function, Route

    fake = (Function(name="things", description="", routes=(Route("POST", "/things/{thing_id}/parts"),)),)
    monkeypatch.setattr(declaration, "all_routes", lambda: [(r.method, r.path, f.name) for f in fake for r in f.routes])
    host = EchoHost()
    client = Client(ApiGateway(host))
    response = client.post("/things/t-1/parts?x=1", json={"a": 1}, headers={"X-Request-Id": "r-1"})
    assert response.status_code == 200 and response.json == {"fn": "things"}
    event = host.events[0]
    assert event["resource"] == "/things/{thing_id}/parts"
    assert event["pathParameters"] == {"thing_id": "t-1"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert json.loads(event["body"]) == {"a": 1}
    assert event["headers"]["X-Request-Id"] == "r-1"
    assert event["requestContext"]["httpMethod"] == "POST"
    assert float(response.headers["X-Server-Time-Ms"]) >= 0


def test_throttled_requests_get_429_problem():
    client = Client(ApiGateway(EchoHost(), throttle=TokenBucket(rate=0.001, burst=2)))
    statuses = [client.get("/health").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_bodies_over_the_gateway_limit_get_413_problem():
    client = Client(ApiGateway(EchoHost()))
    response = client.post("/health", data=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
