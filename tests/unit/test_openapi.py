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


# What each write without an id in its path can really answer of 404 and 409 (from its service): a tag or a
# rulebook it names, an Idempotency-Key in flight or a taken e-mail; the others cannot meet either.
NOT_FOUND_AND_CONFLICT = {
    "POST /accounts": {409},
    "POST /applications": {404, 409},
    "POST /auth/login": {409},
    "POST /auth/logout": set(),
    "POST /auth/password-reset": set(),
    "POST /auth/password-reset/confirm": {409},
    "POST /auth/refresh": set(),
    "POST /claims-desk/claims": set(),
    "POST /devices": {404, 409},
    "POST /insurers": {409},
    "PATCH /me": {409},
    "POST /quotes": {404, 409},
    "POST /risk-events": {404, 409},
    "POST /scans": {404, 409},
    "POST /tags": {404, 409},
}


def test_a_write_lists_404_and_409_only_when_it_can_answer_them():
    operations = _operations(json.loads(openapi_json()))
    without_ids = {name for name in operations if not name.startswith("GET") and "{" not in name}
    assert without_ids == NOT_FOUND_AND_CONFLICT.keys()
    for name, expected in NOT_FOUND_AND_CONFLICT.items():
        assert {int(s) for s in operations[name]["responses"]} & {404, 409} == expected, name
    for name, operation in operations.items():
        if "{" in name:  # the id in the path may be unknown
            assert "404" in operation["responses"], name


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


def _property(document: dict, schema_name: str, field: str) -> dict:
    schema = document["components"]["schemas"][schema_name]["properties"][field]
    return next((o for o in schema.get("anyOf", []) if o.get("type") == "string"), schema)


def _published_accepts(schema: dict, value: str) -> bool:
    import re

    return (
        len(value) >= schema.get("minLength", 0)
        and len(value) <= schema.get("maxLength", len(value))
        and re.search(schema["pattern"], value) is not None
    )


EMAILS = (
    "ada@example.com",
    "a.b+c@mail.example.co.uk",
    "zoë@exämple.com",
    " ada@example.com",  # the server stripped spaces; the document refused them
    "ada@example.com ",
    "ada@example",
    "ada@@example.com",
    "ada@exa mple.com",
    "ada\x00@example.com",
    "ada@example.com\u202e",
    "ada\ufeff@example.com",  # a space to JSON Schema's \s, not to Python's
    "",
    "ěß@³Ä.mí¬",  # not an RFC 5321 address (what `format: email` means to a validator), accepted by the server
    "ěß@³Ä",
    "ada..lovelace@example.com",
)


def _validator_accepts(schema: dict, value: str) -> bool:
    """What a client's JSON Schema validator says, formats checked (jsonschema_rs: the one schemathesis uses)."""
    import jsonschema_rs

    return bool(jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value))


def test_every_creating_post_publishes_the_idempotency_key_it_honours():
    operations = _operations(json.loads(openapi_json()))
    creating = [
        "POST /quotes",
        "POST /applications",
        "POST /risk-events",
        "POST /insurers",
        "POST /devices",
        "POST /devices/{device_id}/secrets",
        "POST /tags",
        "POST /policies/{policy_number}/amendments",
        "POST /policies/{policy_number}/cancellation",
    ]
    headers = {
        name: [p["name"].lower() for p in operations[name].get("parameters", []) if p["in"] == "header"]
        for name in creating
    }
    assert {name: found for name, found in headers.items() if "idempotency-key" not in found} == {}


def test_an_email_field_publishes_exactly_the_addresses_the_server_accepts():
    """The document said any text for e-mail fields while the server wanted an address (a valid request by the
    document was a 422): now the server's own pattern, in every request that takes one. And nothing more: with
    `format: email` as well, a validator refused addresses the server accepts (`ěß@³Ä.mí¬` answered 202 on
    POST /auth/password-reset, `ěß@³Ä` 201 as an insurer's salesperson)."""
    from pydantic import TypeAdapter, ValidationError

    from insure.types import ContactEmail, Email

    document = json.loads(openapi_json())
    for type_, places in (
        (Email, [("AccountRequest", "email"), ("LoginRequest", "email"), ("MePatch", "email")]),
        (Email, [("PersonalApplicant", "email"), ("PasswordResetRequest", "email")]),
        (ContactEmail, [("Salesperson", "email")]),
    ):
        adapter = TypeAdapter(type_)
        for schema_name, field in places:
            published = _property(document, schema_name, field)
            for value in EMAILS:
                try:
                    adapter.validate_python(value)
                    accepted = True
                except ValidationError:
                    accepted = False
                assert _published_accepts(published, value) == accepted, (schema_name, value)
                assert _validator_accepts(published, value) == accepted, (schema_name, value)


def test_a_state_field_publishes_exactly_the_state_codes_the_server_accepts():
    from pydantic import TypeAdapter, ValidationError

    from insure.types import US_STATES, StateCode

    document = json.loads(openapi_json())
    adapter = TypeAdapter(StateCode)
    for schema_name in ("QuoteRequest", "ApplicationRequest", "Address"):
        published = _property(document, schema_name, "state")
        for value in [*US_STATES, "ny", "Ny", "XX", "ZZ", " NY", "NY ", "N", "NYC", "1A", ""]:
            try:
                adapter.validate_python(value)
                accepted = True
            except ValidationError:
                accepted = False
            assert _published_accepts(published, value) == accepted, (schema_name, value)


def test_an_optional_body_is_published_as_optional_not_as_null():
    """The server refuses a `null` body (every body is a JSON object, 422) and takes no body at all: the document
    offered `null` on POST /auth/logout and POST /devices."""
    document = json.loads(openapi_json())
    for path in ("/auth/logout", "/devices"):
        body = document["paths"][path]["post"]["requestBody"]
        assert body["required"] is False
        schema = body["content"]["application/json"]["schema"]
        assert "anyOf" not in schema and schema["$ref"].startswith("#/components/schemas/")


def test_an_answer_without_content_publishes_none():
    document = json.loads(openapi_json())
    no_content = [op["responses"]["204"] for op in _operations(document).values() if "204" in op["responses"]]
    assert len(no_content) >= 4 and all("content" not in r for r in no_content)


def test_a_path_parameter_that_can_be_invalid_lists_the_422():
    """Found by the fuzzing gate as a customer: GET .../versions/{version} with a version that is not a number is
    a 422 the document did not list."""
    operations = _operations(json.loads(openapi_json()))
    for name in (
        "GET /policies/{policy_number}/versions/{version}",
        "GET /policies/{policy_number}/versions/{version}/document",
    ):
        assert "422" in operations[name]["responses"], name
    assert "422" not in operations["GET /applications/{application_id}"]["responses"]  # any string names one


# Strings a request may carry that are not free text kept anywhere: secrets compared or hashed, never stored or shown.
SECRETS = {
    "POST /accounts password",
    "POST /auth/login password",
    "POST /auth/logout refresh_token",
    "POST /auth/refresh refresh_token",
    "POST /auth/password-reset/confirm code",
    "POST /auth/password-reset/confirm new_password",
    "POST /policies/{policy_number}/renewal/accept offer_id",  # compared with the offer's, not kept
}


def test_every_request_string_is_checked_text_or_a_secret():
    """A string in any request body of the published contract has a pattern, a format or an enum (free text
    refuses control characters and bidi overrides), unless it is a secret only compared or hashed."""
    from tests.unit.test_types import _free_text_fields

    document = json.loads(openapi_json())
    schemas = document["components"]["schemas"]
    unchecked = set()
    for name, operation in _operations(document).items():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            paths = _free_text_fields({**body["schema"], "$defs": schemas})
            unchecked |= {f"{name} {path}" for path in paths}
    assert unchecked == SECRETS
