"""The fuzzing gate: schemathesis (pinned in requirements-dev.txt) generates requests from the published contract,
valid and invalid ones, for every operation, sends them over HTTP to a running local cloud and checks every answer:
no server error, each status, content type, header and body as the document declares, invalid input refused, valid
input accepted (or refused by a business rule: 402, 404, 409, 422, 423), credentials honoured.

It runs as four callers, each with valid and invalid requests: anonymous, the admin key, the session of an issued
policy (whose application id, policy number and item id replace the generated ones, so session routes are fuzzed
past the 404 of an unknown id), and a signed-in customer (an account made from that session, its access token from
POST /auth/login, on the customer's routes: /me and its lists, and the policy's amendments, cancellation preview,
billing and renewal, with the customer's policy number and amendment id). The ids are replaced only in a case whose
path is valid: an invalid one stays as generated, for the server to refuse.
The cloud is its own (a fuzzed login from this address would lock the other e2e tests' sign-ins, fuzzed insurers
and tags would sit in their tables), started with its per-client throttle raised (API_CLIENT_RATE_PER_S /
API_CLIENT_BURST, a setting of the local cloud): the gate's single client sends as fast as the cloud answers.

Bounded for `make test` (about two minutes on this 2-core machine, figures in the module's constants):
FUZZ_EXAMPLES per operation and caller in the fuzzing phase, plus the examples phase; the coverage phase
(boundary and invalid values of every field) only for the anonymous caller, the one that reaches every body
validator of public routes. FUZZ_SEED picks another seed (the default is fixed: the gate is reproducible); run
it with other seeds to flush rare findings (`FUZZ_SEED=7 pytest tests/e2e/test_fuzz.py`)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.core.parameters import ParameterLocation

from insure.routes.openapi import DOCUMENT_PATH
from tests.e2e.conftest import RunningCloud, started_cloud

pytestmark = pytest.mark.xdist_group("fuzz")

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
# A request the schema allows may still break a business rule: a declined card (402), an id that names nothing
# (404), a state that does not allow the step (409), a rule on the values (422), a locked account (423).
BUSINESS_RULES = ["2xx", "3xx", "401", "402", "404", "409", "422", "423", "429"]


ADMIN_ROUTES = r"^/(admin/|claims$|claims/|devices|insurers|tags)"  # what the admin key opens (not /claims-desk)
SESSION_ROUTES = r"^/(applications/|policies/|accounts$)"  # what a session token opens


def fuzz_config(*, coverage_of: str | None = None) -> schemathesis.Config:
    """Examples and FUZZ_EXAMPLES generated cases for every operation; the coverage phase (boundary and invalid
    values of every field and header) only on the operations matching `coverage_of`, the ones this caller gets
    past its credentials (elsewhere it would meet the same 401 again and again)."""
    phases = {"examples": {"enabled": True}, "fuzzing": {"enabled": True}, "stateful": {"enabled": False}}
    operations = []
    if coverage_of is not None:
        operations.append({"include-path-regex": coverage_of, "phases": {"coverage": {"enabled": True}}})
    return schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "checks": {"positive_data_acceptance": {"expected-statuses": BUSINESS_RULES}},
            "phases": {**phases, "coverage": {"enabled": False}},
            "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "no-shrink": True, "database": "none"},
            "operations": operations,
        }
    )


# Anonymous: coverage everywhere (public routes' validators, and credentials checked before any body is read).
anonymous = schemathesis.openapi.from_path(DOCUMENT_PATH, config=fuzz_config(coverage_of=".*"))
as_admin = schemathesis.openapi.from_path(DOCUMENT_PATH, config=fuzz_config(coverage_of=ADMIN_ROUTES))
# The generated ids are replaced by the session's own (in a case with a valid path: see `_own_ids`).
as_session = schemathesis.openapi.from_path(DOCUMENT_PATH, config=fuzz_config(coverage_of=SESSION_ROUTES))
SESSION_IDS = ("application_id", "policy_number", "item_id")
# What a customer's access token opens beyond a session's (POST /auth/logout left out: it would end the token;
# the cancellation itself too: it would end the policy the other routes are fuzzed on).
CUSTOMER_ROUTES = r"^/(me$|me/|policies/\{policy_number\}/(amendments|cancellation/preview|billing|renewal))"
customer_config = fuzz_config(coverage_of=CUSTOMER_ROUTES)
# include() would add to the coverage filter, not narrow it
as_customer = schemathesis.openapi.from_path(DOCUMENT_PATH, config=customer_config).exclude(
    path_regex=f"^(?!{CUSTOMER_ROUTES[1:]})"
)
CUSTOMER_IDS = ("policy_number", "amendment_id")


@pytest.fixture(scope="module")
def fuzz_cloud() -> Iterator[RunningCloud]:
    with started_cloud("e2e-fuzz", API_CLIENT_RATE_PER_S="1000", API_CLIENT_BURST="1000") as running:
        yield running


@pytest.fixture(scope="module")
def issued_session(fuzz_cloud) -> dict[str, str]:
    """An issued policy's session: its token and the ids its routes take."""
    from tests.e2e.test_issuance import Session

    person = Session(fuzz_cloud).accepted()
    shown = person.issued(person.pay(key=uuid.uuid4().hex))
    number = shown["policy_number"]
    policy = person.call("GET", f"/policies/{number}").json()
    return {
        "authorization": person.auth["Authorization"],
        "application_id": person.id,
        "policy_number": number,
        "item_id": policy["items"][0]["item_id"],
    }


@pytest.fixture(scope="module")
def signed_in_customer(fuzz_cloud) -> dict[str, str]:
    """A customer signed in with an account made from the session that bought their policy (a policy of its own:
    the session caller may have cancelled the other one): the access token, the policy number and an amendment of
    that policy (which the fuzzed amendment routes read, accept and pay)."""
    from tests.e2e.test_issuance import Session

    person = Session(fuzz_cloud).accepted()
    number = person.issued(person.pay(key=uuid.uuid4().hex))["policy_number"]
    item_id = person.call("GET", f"/policies/{number}").json()["items"][0]["item_id"]
    http, url = fuzz_cloud.http, fuzz_cloud.url
    email, password = f"fuzz-{uuid.uuid4().hex[:8]}@example.com", "a long enough passphrase"
    created = person.call("POST", "/accounts", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    login = http.post(f"{url}/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    access = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = {"changes": {"items": [{"item_id": item_id}]}, "effective_date": today()}
    amendment = http.post(f"{url}/policies/{number}/amendments", json=body, headers=access)
    assert amendment.status_code == 201, amendment.text
    return {**access, "policy_number": number, "amendment_id": amendment.json()["amendment_id"]}


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@anonymous.parametrize()
def test_anonymous_callers_get_only_documented_answers(case, fuzz_cloud):
    case.call_and_validate(base_url=fuzz_cloud.url, timeout=35)


@as_admin.parametrize()
def test_the_admin_gets_only_documented_answers(case, fuzz_cloud):
    case.call_and_validate(base_url=fuzz_cloud.url, headers=fuzz_cloud.admin(), timeout=35)


def _own_ids(case, names: tuple[str, ...], ids: dict[str, str]) -> None:
    """The caller's own ids in place of the generated ones, unless the path was generated invalid on purpose (then
    the server must refuse it as it is)."""
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return
    for name in names:
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = ids[name]


@as_session.parametrize()
def test_a_policyholders_session_gets_only_documented_answers(case, fuzz_cloud, issued_session):
    _own_ids(case, SESSION_IDS, issued_session)
    auth = {"Authorization": issued_session["authorization"]}
    case.call_and_validate(base_url=fuzz_cloud.url, headers=auth, timeout=35)


@as_customer.parametrize()
def test_a_signed_in_customer_gets_only_documented_answers(case, fuzz_cloud, signed_in_customer):
    _own_ids(case, CUSTOMER_IDS, signed_in_customer)
    auth = {"Authorization": signed_in_customer["Authorization"]}
    case.call_and_validate(base_url=fuzz_cloud.url, headers=auth, timeout=35)
