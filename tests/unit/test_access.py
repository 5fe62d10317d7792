"""Who may call a route: declared on every route, resolved from the credentials into a caller value."""

from __future__ import annotations

import pytest

import declaration
from insure.callers import Admin, Anonymous, Reporter, SessionCaller, owned
from insure.errors import NotFound, Unauthorized
from insure.http import access as access_module
from insure.http.access import BEARERS, CREDENTIAL, Access, declared_access, resolve_caller
from local.functions_host import load_handler_module


def _routes_of(app) -> list:
    return [r for r in app._static_routes + app._dynamic_routes]


def test_every_route_of_every_api_function_declares_who_may_call_it():
    # Given every function that serves declared HTTP routes
    undeclared = []
    for function in declaration.FUNCTIONS:
        if not function.routes:
            continue
        module = load_handler_module(function.name, instance="access-test")
        apps = [getattr(module, name) for name in ("app", "listing") if hasattr(module, name)]
        # Then each of its routes names its access
        for app in apps:
            routes = _routes_of(app)
            undeclared += [(function.name, r.method, r.path) for r in routes if declared_access(r.func) is None]
    assert undeclared == []


def test_missing_or_malformed_credentials_are_401_naming_what_to_send():
    for headers in ({}, {"Authorization": "Basic abc"}, {"authorization": "Bearer "}):
        with pytest.raises(Unauthorized, match=r"Send Authorization: Bearer <admin key>\."):
            resolve_caller(Access.ADMIN, headers)


def test_public_and_signed_routes_resolve_to_an_anonymous_caller_without_reading_credentials():
    assert resolve_caller(Access.PUBLIC, {"Authorization": "Bearer whatever"}) == Anonymous()
    assert resolve_caller(Access.SIGNED, {}) == Anonymous()


def test_a_new_kind_of_caller_is_one_authenticator_listed_where_it_is_accepted(monkeypatch):
    # Given customers whose access tokens must work wherever a session token works
    class Customer:
        kind = "customer"

        def __init__(self, customer_id: str) -> None:
            self.customer_id = customer_id

        def owns(self, record: object) -> bool:
            return getattr(record, "customer_id", None) == self.customer_id

    def customer(token: str) -> Customer | None:
        return Customer("cus_1") if token == "access-token" else None

    def no_session(token: str) -> None:
        return None

    monkeypatch.setitem(BEARERS, Access.SESSION, (no_session, customer))
    # When a session route is called with an access token, or with a token no authenticator knows
    found = resolve_caller(Access.SESSION, {"Authorization": "Bearer access-token"})
    # Then the customer is the caller, and the unknown token is 401
    assert isinstance(found, Customer) and found.customer_id == "cus_1"
    with pytest.raises(Unauthorized, match="session_token"):
        resolve_caller(Access.SESSION, {"Authorization": "Bearer nobody"})


def test_every_guarded_access_names_its_credential():
    assert set(BEARERS) == set(CREDENTIAL)
    assert access_module.ACCESS_ATTRIBUTE.startswith("__")


def test_callers_own_only_their_records_and_the_refusal_reads_like_an_unknown_record():
    record = type("Record", (), {"session_hash": "h1", "risk_event_id": "evt_1"})()
    assert Admin().owns(record)
    assert SessionCaller("h1", "app_1").owns(record) and not SessionCaller("h2", "app_2").owns(record)
    assert Reporter("evt_1").owns("evt_1") and not Reporter("evt_2").owns("evt_1")
    assert not Anonymous().owns(record)
    for caller, missing in ((SessionCaller("h2", "app_2"), record), (SessionCaller("h1", "app_1"), None)):
        with pytest.raises(NotFound, match=r"^No policy P-1\.$"):
            owned(missing, caller, missing="No policy P-1.")
