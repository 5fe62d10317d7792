"""The local API Gateway front: REST v1 proxy events, throttling and payload limits."""

from __future__ import annotations

import json
import re

from werkzeug.test import Client
from werkzeug.wrappers import Response

from local.api_gateway import ApiGateway, TokenBucket


class EchoHost:
    """A functions host that echoes the proxy event it receives."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def invoke(self, name: str, event: dict, *, deadline: float | None = None) -> dict:
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


def test_the_per_client_limit_is_a_setting_of_the_run(monkeypatch):
    import pytest

    from local.api_gateway import CLIENT_BURST, CLIENT_RATE_PER_S, ClientThrottle

    def burst_served(client: Client) -> int:
        statuses = [client.get("/health").status_code for _ in range(CLIENT_BURST + 30)]
        return statuses.index(429) if 429 in statuses else len(statuses)

    # By default each client gets the documented rate and burst
    monkeypatch.delenv("API_CLIENT_RATE_PER_S", raising=False)
    monkeypatch.delenv("API_CLIENT_BURST", raising=False)
    default = ApiGateway(EchoHost()).clients
    assert (default.rate, default.burst) == (CLIENT_RATE_PER_S, CLIENT_BURST)
    # A run started with a lower (or higher) limit applies it to every client (a token every 1000 s: no refill)
    monkeypatch.setenv("API_CLIENT_RATE_PER_S", "0.001")
    monkeypatch.setenv("API_CLIENT_BURST", "3")
    assert burst_served(Client(ApiGateway(EchoHost()))) == 3
    monkeypatch.setenv("API_CLIENT_BURST", str(CLIENT_BURST + 30))
    assert burst_served(Client(ApiGateway(EchoHost()))) == CLIENT_BURST + 30
    # And a setting that is not a limit stops the start with a clear message
    monkeypatch.setenv("API_CLIENT_BURST", "many")
    with pytest.raises(ValueError, match="API_CLIENT_BURST"):
        ClientThrottle.from_environment()


def test_a_declared_routes_path_is_the_apis_even_under_a_web_page_prefix(monkeypatch):
    import declaration

    routes = [("GET", "/admin/customers", "customers"), ("POST", "/accounts", "accounts")]
    monkeypatch.setattr(declaration, "all_routes", lambda: routes)
    host = EchoHost()
    gateway = ApiGateway(host)
    # Given the web client mounted on the same origin, opening its page for anything under /admin and /account
    gateway.web = lambda request: Response("<html>page</html>", content_type="text/html")
    client = Client(gateway)
    # Then the back office page still opens, but the API's routes under those prefixes reach their functions
    assert client.get("/admin").data == b"<html>page</html>"
    assert client.get("/admin/customers").json == {"fn": "customers"}
    # And a method the API route does not declare is the API's 405 with Allow, not the page
    refused = client.get("/accounts")
    assert (refused.status_code, refused.headers["Allow"]) == (405, "POST")
    assert [event["resource"] for event in host.events] == ["/admin/customers"]


def test_bodies_over_the_gateway_limit_get_413_problem():
    client = Client(ApiGateway(EchoHost()))
    response = client.post("/health", data=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def _things_gateway(monkeypatch, **kwargs) -> tuple[EchoHost, Client]:
    import declaration

    routes = [("POST", "/things/{thing_id}", "things"), ("GET", "/things/{thing_id}", "things")]
    monkeypatch.setattr(declaration, "all_routes", lambda: routes)
    host = EchoHost()
    return host, Client(ApiGateway(host, **kwargs))


def test_every_answer_of_the_gateway_carries_a_request_id(monkeypatch):
    def failing(request):
        raise RuntimeError("boom")

    _, client = _things_gateway(monkeypatch, extra={("GET", "/broken"): failing})
    answers = {
        "served": client.get("/things/t-1"),
        "not found": client.get("/nowhere"),
        "method not allowed": client.delete("/things/t-1"),
        "too large": client.post("/things/t-1", data=b"x" * (10 * 1024 * 1024 + 1)),
        "gateway failure": client.get("/broken"),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "served": 200,
        "not found": 404,
        "method not allowed": 405,
        "too large": 413,
        "gateway failure": 500,
    }
    for name, response in answers.items():
        assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["X-Request-Id"]), name
    assert answers["gateway failure"].headers["Content-Type"] == "application/problem+json"
    assert "boom" not in answers["gateway failure"].get_data(as_text=True)


def test_405_names_the_methods_the_resource_allows(monkeypatch):
    _, client = _things_gateway(monkeypatch)
    response = client.put("/things/t-1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_a_sane_request_id_is_echoed_to_the_function_and_back_and_an_odd_one_replaced(monkeypatch):
    host, client = _things_gateway(monkeypatch)
    sane = "req-1.a_b:c"
    assert client.get("/things/t-1", headers={"X-Request-Id": sane}).headers["X-Request-Id"] == sane
    assert host.events[-1]["headers"]["X-Request-Id"] == sane
    for odd in ("x" * 129, "has space", "new\\nline", "<script>", "ünï"):
        response = client.get("/things/t-1", headers={"X-Request-Id": odd})
        replaced = response.headers["X-Request-Id"]
        assert replaced != odd and re.fullmatch(r"[0-9a-f-]{36}", replaced)
        assert host.events[-1]["headers"]["X-Request-Id"] == replaced
        assert host.events[-1]["multiValueHeaders"]["X-Request-Id"] == [replaced]


def test_a_chunked_body_is_read_up_to_the_limit_and_refused_over_it(monkeypatch):
    import io

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from local import api_gateway

    monkeypatch.setattr(api_gateway, "MAX_PAYLOAD_BYTES", 1000)
    host, client = _things_gateway(monkeypatch)

    class Endless(io.RawIOBase):
        """A chunked body that never ends: the gateway must stop reading one byte past the limit."""

        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[override]
            buffer[: len(buffer)] = b"x" * len(buffer)
            Endless.read_bytes += len(buffer)
            return len(buffer)

    def post_chunked(stream) -> tuple[str, dict]:
        # As werkzeug's server hands a chunked request over: no Content-Length, the input marked as terminated
        environ = EnvironBuilder(path="/things/t-1", method="POST").get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ.update({"wsgi.input": stream, "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})
        _, status, headers = run_wsgi_app(client.application, environ, buffered=True)
        return status, dict(headers)

    status, _ = post_chunked(io.BufferedReader(Endless(), buffer_size=64))
    assert status.startswith("413")
    assert Endless.read_bytes <= 1001 + 64
    assert host.events == []
    status, _ = post_chunked(io.BytesIO(b'{"a": 1}'))
    assert status.startswith("200") and host.events[-1]["body"] == '{"a": 1}'


def test_the_gateway_logs_one_readable_line_per_request(monkeypatch):
    lines: list[str] = []
    _, client = _things_gateway(monkeypatch, log=lines.append)
    client.get("/things/t-1", headers={"X-Request-Id": "r-42"})
    client.get("/nowhere", headers={"X-Request-Id": "r-43"})
    assert len(lines) == 2
    assert re.fullmatch(r"GET /things/t-1 200 \d+ ms r-42", lines[0])
    assert re.fullmatch(r"GET /nowhere 404 \d+ ms r-43", lines[1])
