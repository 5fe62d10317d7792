"""The published contract: generated from the models, shipped with the layer, never stale."""

from __future__ import annotations

import json
from pathlib import Path

from insure.routes.openapi import DOCUMENT_PATH, openapi_json


def test_shipped_document_is_the_generated_one():
    # Given the document generated now from every router's models
    generated = json.loads(openapi_json())
    # Then the file the docs function serves is identical (run `make openapi` after changing a route)
    shipped = json.loads(Path(DOCUMENT_PATH).read_text())
    assert shipped == generated


def _operations(document: dict) -> dict[str, dict]:
    return {f"{m.upper()} {p}": op for p, item in document["paths"].items() for m, op in item.items()}


def test_errors_are_described_as_problems_and_there_is_no_catch_all():
    document = json.loads(openapi_json())
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for name, operation in _operations(document).items():
        assert "default" not in operation["responses"], name
        for status, response in operation["responses"].items():
            if int(status) >= 400 and status != "402":
                content = response["content"]
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_each_operation_lists_the_errors_it_can_answer():
    operations = _operations(json.loads(openapi_json()))
    errors = {name: {int(s) for s in op["responses"] if int(s) >= 400} for name, op in operations.items()}
    assert errors["GET /health"] == {429}
    assert errors["GET /applications/{application_id}"] == {401, 404, 429}
    assert errors["POST /quotes"] >= {400, 413, 415, 422, 429} and 401 not in errors["POST /quotes"]
    assert errors["POST /insurers"] >= {400, 401, 409, 413, 415, 422, 429}
    assert errors["POST /scans"] >= {400, 401, 413, 422} and 415 not in errors["POST /scans"]


def test_security_schemes_are_declared_and_required_where_the_route_declares_its_access():
    document = json.loads(openapi_json())
    schemes = document["components"]["securitySchemes"]
    for bearer in ("admin", "session", "reporter"):
        assert schemes[bearer] == {**schemes[bearer], "type": "http", "scheme": "bearer"}
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert schemes[header] == {**schemes[header], "type": "apiKey", "in": "header", "name": header}
    operations = _operations(document)
    assert operations["POST /insurers"]["security"] == [{"admin": []}]
    # a customer's access token works wherever a session token works
    assert operations["GET /policies/{policy_number}"]["security"] == [{"session": []}, {"customer": []}]
    assert operations["GET /me"]["security"] == [{"customer": []}]
    assert operations["POST /applications"]["security"] == [{}, {"customer": []}]
    assert operations["POST /risk-events/{risk_event_id}/facts"]["security"] == [{"reporter": []}]
    assert operations["POST /scans"]["security"] == [
        {"webhook-id": [], "webhook-timestamp": [], "webhook-signature": []}
    ]
    assert "security" not in operations["POST /quotes"]


def test_a_kind_of_caller_accepted_on_session_routes_is_published_as_an_alternative(monkeypatch):
    from insure.http import access

    def customer(token: str) -> None:
        return None

    # Given a kind of caller (standing in: the reporter kind) whose authenticator session routes also try
    monkeypatch.setitem(access.BEARERS, access.Access.SESSION, (*access.BEARERS[access.Access.SESSION], customer))
    monkeypatch.setitem(access.BEARERS, access.Access.REPORTER, (customer,))
    # Then session routes publish it as an alternative credential
    operations = _operations(json.loads(openapi_json()))
    assert {"reporter": []} in operations["GET /policies/{policy_number}"]["security"]


def test_every_operation_publishes_its_success_answer():
    # A typed client (the web client's openapi-typescript types) knows an answer's body only from the document:
    # an operation listing only its errors would give it nothing to read on success.
    for name, operation in _operations(json.loads(openapi_json())).items():
        assert any(200 <= int(status) < 300 for status in operation["responses"]), name
    tokens = _operations(json.loads(openapi_json()))["POST /auth/login"]["responses"]["200"]
    assert tokens["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Tokens"}


def test_a_header_the_service_requires_is_published_as_required():
    """Found by the fuzzing gate: the payment routes answer 400 without an Idempotency-Key, but the document called
    the header optional, so a client built from it (or a fuzzer's valid request) could leave it out."""
    import re

    document = json.loads(openapi_json())
    for path in (
        "/applications/{application_id}/payment",
        "/policies/{policy_number}/amendments/{amendment_id}/payment",
    ):
        (key,) = [p for p in document["paths"][path]["post"]["parameters"] if p["name"] == "idempotency-key"]
        assert key["required"] is True
        schema = key["schema"]
        assert schema["type"] == "string" and "x-required-header" not in schema
        assert re.search(schema["pattern"], "k-1") and not re.search(schema["pattern"], "  ")
    # An optional key stays optional
    (optional,) = [
        p for p in document["paths"]["/applications"]["post"]["parameters"] if p["name"] == "idempotency-key"
    ]
    assert optional["required"] is False
