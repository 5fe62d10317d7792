"""The web client's local serving: its files and pages on the API's origin with the security headers, CORS for the
web client's origin only (preflight at the gateway, grants on the functions' answers), and the card processor's
browser tokenization endpoint."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.test import Client
from werkzeug.wrappers import Request

from declaration.web import content_security_policy
from local.api_gateway import ApiGateway
from local.web_client import WebClient

WEB = "http://127.0.0.1:3000"


class EchoHost:
    def invoke(self, name: str, event: dict, deadline: float | None = None) -> dict:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"fn": name})}


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>client</title>")
    (tmp_path / "app.js").write_text("console.log('app')")
    (tmp_path / "app.css").write_text("body{}")
    return tmp_path


@pytest.fixture
def gateway(dist):
    gateway = ApiGateway(EchoHost(), cors_origin=WEB)
    client = WebClient(lambda: b'{"api_url": "x"}', connect=("ws://127.0.0.1:9",), dist=dist)
    gateway.web = client.serve
    return Client(gateway)


@pytest.mark.parametrize("path", ["/", "/t/TAG-123", "/admin", "/account"])
def test_pages_open_the_client_with_a_strict_csp(gateway, path):
    response = gateway.get(path)
    assert response.status_code == 200
    assert response.text.startswith("<!doctype html>")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self' ws://127.0.0.1:9" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_files_config_and_api_routes_are_told_apart(gateway):
    script = gateway.get("/app.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert gateway.get("/config.json").json == {"api_url": "x"}
    # API routes still reach their function; paths that are neither are the API's 404
    assert gateway.get("/products").json == {"fn": "catalog"}
    assert gateway.get("/missing.js").status_code == 404
    assert gateway.get("/../pyproject.toml").status_code == 404
    assert gateway.post("/").status_code == 404


def test_an_api_route_under_a_page_prefix_stays_the_apis(gateway):
    # The back office's pages live under /admin, and so does the API's GET /admin/customers
    assert gateway.get("/admin/customers").json == {"fn": "accounts_backoffice"}
    assert gateway.get("/admin").text.startswith("<!doctype html>")
    assert gateway.get("/account/policies/P-1").text.startswith("<!doctype html>")


def test_a_missing_build_says_how_to_build_it(tmp_path):
    client = WebClient(lambda: b"{}", dist=tmp_path / "nothing")
    response = client.serve(Request.from_values("/"))
    assert response is not None and response.status_code == 503
    assert b"make web" in response.get_data()


def test_preflight_grants_the_web_origin_only(gateway):
    granted = gateway.options("/applications/a1/payment", headers={"Origin": WEB})
    assert granted.status_code == 204
    assert granted.headers["Access-Control-Allow-Origin"] == WEB
    assert "Idempotency-Key" in granted.headers["Access-Control-Allow-Headers"]
    refused = gateway.options("/applications/a1/payment", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert gateway.options("/nowhere", headers={"Origin": WEB}).status_code == 404


def test_content_security_policy_allows_no_inline_code():
    policy = content_security_policy(("https://api.example",))
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self' https://api.example"


@pytest.fixture(scope="module")
def processor():
    from local.simulators.card_processor import BROWSER_TOKENS, CardProcessorSimulator

    simulator = CardProcessorSimulator(allowed_origins=(WEB,))
    simulator.start()
    yield f"{simulator.url}{BROWSER_TOKENS}", simulator
    simulator.stop()


def test_a_page_on_the_web_origin_tokenizes_a_card_with_the_processor(processor):
    url, simulator = processor
    preflight = requests.options(url, headers={"Origin": WEB, "Access-Control-Request-Method": "POST"}, timeout=5)
    assert preflight.headers["Access-Control-Allow-Origin"] == WEB
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "client_reference": "a1"}
    created = requests.post(url, json=card, headers={"Origin": WEB}, timeout=5)
    assert created.status_code == 201
    assert created.headers["Access-Control-Allow-Origin"] == WEB
    token = created.json()
    assert token["last4"] == "4242" and token["client_reference"] == "a1"
    described = requests.get(f"{simulator.url}/v1/tokens/{token['token']}", timeout=5).json()
    assert described["client_reference"] == "a1"


def test_another_origin_gets_no_grant_and_no_token(processor):
    url, simulator = processor
    before = len(simulator.tokens)
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    refused = requests.post(url, json=card, headers={"Origin": "https://evil.example"}, timeout=5)
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert len(simulator.tokens) == before
