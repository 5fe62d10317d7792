"""The HTTP edge, as a client meets it through the local API Gateway: credentials before the body is read, a
client's mistake is a clear problem (never a 500), the body limit before parsing, a request id on every answer."""

from __future__ import annotations

import copy
import json

import pytest

from scripts.samples import APPLICATION

JSON = {"Content-Type": "application/json"}
INVALID = b'{"a": 1}'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def seeded(platform, rulebooks):
    return platform


def open_application(api) -> tuple[str, dict[str, str]]:
    response = api.post("/applications", json=copy.deepcopy(APPLICATION))
    assert response.status_code == 201, response.json
    return response.json["application_id"], bearer(response.json["session_token"])


ITEM = {"kind": "portable", "brand": "Dell", "value": "1500.00"}
MONEY_BODY = {"product": "computer", "state": "NY", "items": [ITEM]}

ADMIN_ROUTES = [("POST", "/insurers"), ("GET", "/insurers"), ("POST", "/devices"), ("POST", "/tags")]
SESSION_ROUTES = [
    ("GET", "/applications/app_x"),
    ("PATCH", "/applications/app_x"),
    ("POST", "/applications/app_x/submit"),
    ("GET", "/applications/app_x/terms"),
    ("POST", "/applications/app_x/accept"),
    ("POST", "/applications/app_x/payment"),
    ("GET", "/policies/P-X"),
    ("GET", "/policies/P-X/document"),
]
REPORTER_ROUTES = [("GET", "/risk-events/evt_x"), ("POST", "/risk-events/evt_x/facts")]
GUARDED = ADMIN_ROUTES + SESSION_ROUTES + REPORTER_ROUTES


def test_a_guarded_route_answers_401_before_it_reads_the_body(platform):
    for method, path in GUARDED:
        for credentials in ({}, bearer("not-a-valid-token"), {"Authorization": "Basic YTpi"}):
            # Given a caller without valid credentials sending a body that breaks the route's schema
            response = platform.api.open(path, method=method, data=INVALID, headers={**JSON, **credentials})
            # Then it is 401: no field errors tell it what the route expects
            assert response.status_code == 401, (method, path, response.get_data(as_text=True))
            problem = response.json
            assert problem["status"] == 401 and "errors" not in problem
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.headers["X-Request-Id"]


def test_the_admin_with_the_same_body_gets_the_field_errors(platform):
    response = platform.api.post("/insurers", data=INVALID, headers={**JSON, **bearer(platform.admin_key)})
    assert response.status_code == 422
    assert {"field": "name", "message": "Field required"} in response.json["errors"]


def test_another_sessions_application_reads_exactly_like_an_unknown_one(seeded):
    api = seeded.api
    # Given two sessions
    mine, _ = open_application(api)
    _, intruder = open_application(api)
    # When the second asks for the first one's application and for one that does not exist
    someone_elses = api.get(f"/applications/{mine}", headers=intruder)
    unknown = api.get("/applications/app_does_not_exist", headers=intruder)
    # Then both are the same 404 (only the id asked differs)
    assert someone_elses.status_code == unknown.status_code == 404
    assert someone_elses.json == {
        **unknown.json,
        "detail": unknown.json["detail"].replace("app_does_not_exist", mine),
    }


def test_another_session_cannot_change_an_application(seeded):
    api = seeded.api
    mine, owner = open_application(api)
    _, intruder = open_application(api)
    response = api.patch(f"/applications/{mine}", json={"state": "CA"}, headers=intruder)
    assert response.status_code == 404
    assert api.get(f"/applications/{mine}", headers=owner).json["state"] == APPLICATION["state"]


MISTAKES = [
    (b'\xff\xfe{"product": "computer"}', JSON, 400),  # not UTF-8
    (b'{"product": "computer"}', {"Content-Type": "text/plain"}, 415),
    (b"product=computer", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    (b"--x\r\n", {"Content-Type": "multipart/form-data"}, 415),  # multipart without a boundary
    (b"[" * 50_000, JSON, 400),  # nested 50,000 deep
    (b"[" * 30_000 + b"]" * 30_000, JSON, 400),  # balanced, within the body limit
    (b'{"product": ', JSON, 400),
    (b'{"product": ["computer"], "state": "NY", "items": []}', JSON, 422),
    (b'{"a": 1}', JSON, 422),
    (json.dumps({**MONEY_BODY, "items": [{**MONEY_BODY["items"][0], "value": "1e30"}]}).encode(), JSON, 422),
    (json.dumps(MONEY_BODY).replace('"1500.00"', "1e308").encode(), JSON, 422),
]


@pytest.mark.parametrize(("path", "credentials"), [("/quotes", False), ("/insurers", True), ("/applications", False)])
def test_a_clients_mistake_is_a_problem_never_a_500(platform, path, credentials):
    auth = bearer(platform.admin_key) if credentials else {}
    for body, headers, status in MISTAKES:
        response = platform.api.post(path, data=body, headers={**headers, **auth})
        assert response.status_code == status, (path, body[:40], response.get_data(as_text=True))
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json["status"] == status


def test_admin_routes_without_credentials_refuse_unreadable_bodies_with_401(platform):
    for path in ("/insurers", "/devices", "/tags"):
        for body, headers, _ in MISTAKES:
            assert platform.api.post(path, data=body, headers=headers).status_code == 401, (path, body[:40])


def test_a_body_over_the_limit_is_413_whether_it_is_valid_or_not(platform):
    from insure.settings import get_settings

    limit = get_settings().max_body_bytes
    valid = json.dumps(MONEY_BODY) + " " * limit
    for body in (valid, json.dumps({"a": "x" * limit}), "[" * (limit + 1)):
        response = platform.api.post("/quotes", data=body, headers=JSON)
        assert response.status_code == 413 and response.json["status"] == 413
    # before credentials too
    assert platform.api.post("/insurers", data=valid, headers=JSON).status_code == 413


def test_money_and_text_mistakes_are_field_errors(seeded):
    item = MONEY_BODY["items"][0]
    for value in ("1e30", 1e308, 1500.5, "+10.00", "１２３", "10.001"):
        response = seeded.api.post("/quotes", json={**MONEY_BODY, "items": [{**item, "value": value}]})
        assert response.status_code == 422, (value, response.json)
        assert [e["field"] for e in response.json["errors"]] == ["items[0].value"]
    for brand in ("De\x00ll", "De\u202ell", "De\nll"):
        response = seeded.api.post("/quotes", json={**MONEY_BODY, "items": [{**item, "brand": brand}]})
        assert response.status_code == 422, (brand, response.json)
        assert [e["field"] for e in response.json["errors"]] == ["items[0].brand"]
    assert seeded.api.post("/quotes", json=MONEY_BODY).status_code == 200


def test_a_signed_route_refuses_a_body_that_is_not_text_with_400(platform):
    for path in ("/scans", "/webhooks/insurers/ins_x"):
        response = platform.api.post(path, data=b"\x1e\xff\xfeMV\x13", headers=JSON)
        assert response.status_code == 400, (path, response.get_data(as_text=True))


def test_a_body_that_is_not_a_json_object_is_422(platform):
    for body in (b"[null, null]", b"[]", b'"text"', b"3"):
        response = platform.api.post("/devices", data=body, headers={**JSON, **bearer(platform.admin_key)})
        assert response.status_code == 422, (body, response.get_data(as_text=True))
    assert platform.api.post("/devices", headers=bearer(platform.admin_key)).status_code == 201
