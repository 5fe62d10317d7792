"""Every time in every response has one shape, RFC 3339 UTC to the second (`2026-12-01T05:00:00Z`), whoever
wrote it: the platform, the workflow, an insurer's webhook with an offset and fractions of a second."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from insure.signatures import sign
from insure.timestamps import PATTERN
from scripts.samples import APPLICATION
from tests.integration.test_issuance import accepted as accepted_application
from tests.integration.test_issuance import issuance, offered, pay  # noqa: F401 - the issuance fixture
from tests.integration.test_risk_intake import (  # noqa: F401 - the setup fixture
    bearer,
    post_scan,
    risk,
    scan_body,
    setup,
)

TIME_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def times(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in `document` that is a time: under a key ending in `_at`, or shaped like one, or quoted in
    a guidance sentence."""
    if isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}"
            if isinstance(value, str) and (key.endswith("_at") or TIME_LIKE.match(value)):
                yield where, value
            else:
                yield from times(value, where)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from times(value, f"{path}[{index}]")
    elif isinstance(document, str):
        for found in re.findall(r"\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]+", document):
            yield path, found.rstrip(".")


def assert_one_format(*documents: Any) -> int:
    found = [(where, value) for document in documents for where, value in times(document)]
    wrong = [(where, value) for where, value in found if not re.match(PATTERN, value)]
    assert not wrong, wrong
    return len(found)


def test_every_time_of_a_whole_session_has_the_one_format(issuance):  # noqa: F811
    api = issuance.api
    quote = api.post("/quotes", json={k: APPLICATION[k] for k in ("product", "state", "items")})
    assert quote.status_code == 200, quote.json
    application_id, auth, shown = offered(api)
    offer = shown["offer"]
    accepted = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    paid = pay(api, application_id, auth)
    assert paid.status_code == 200, paid.json
    policy = api.get(f"/policies/{paid.json['policy_number']}", headers=auth)
    counted = assert_one_format(quote.json, shown, accepted.json, paid.json, policy.json)
    # quote, session, decision, offer, acceptance, created/updated and the policy's issue time at least
    assert counted >= 10


def test_every_time_of_a_risk_event_has_the_one_format_whatever_the_insurer_sent(platform, setup):  # noqa: F811
    import json

    customer = {"name": "Ada Lovelace", "phone": "2125550100"}
    response = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter=customer))
    assert response.status_code == 202, response.json
    event_id, token = response.json["risk_event_id"], response.json["reporter_token"]
    # Given an insurer's webhook dated with an offset and milliseconds
    insurer = risk().insurer_store.get(setup["insurers"][0])
    assert insurer is not None
    body = json.dumps(
        {
            "risk_event_id": event_id,
            "claim_reference": "CLM-1",
            "status": "received",
            "updated_at": "2026-12-01T07:00:00.250+02:00",
            "note": "got it",
        }
    ).encode()
    headers = {**sign(insurer.webhook_secrets[0], body), "Content-Type": "application/json"}
    hooked = platform.api.post(f"/webhooks/insurers/{insurer.insurer_id}", data=body, headers=headers)
    assert hooked.status_code == 204, hooked.json
    # Then the event reads every time in the one format, the insurer's too
    view = platform.api.get(f"/risk-events/{event_id}", headers=bearer(token))
    assert view.status_code == 200
    assert assert_one_format(view.json) >= 4
    updated = {i["insurer_id"]: i["updated_at"] for i in view.json["insurers"]}
    assert updated[insurer.insurer_id] == "2026-12-01T05:00:00Z"


def test_every_time_of_an_account_has_the_one_format(issuance):  # noqa: F811
    from tests.integration.test_accounts import create_account, login

    api = issuance.api
    _, auth = accepted_application(api)
    customer_id = create_account(api, auth).json["customer_id"]
    access = bearer(login(api).json["access_token"])
    assert api.patch("/me", json={"phone": "+12125550199"}, headers=access).status_code == 200
    # And a lock (an event with the time it ends), read by the back office
    assert [login(api, password="wrong password here").status_code for _ in range(5)][-1] == 423
    admin = bearer(issuance.admin_key)
    me = api.get("/me", headers=access).json
    history = api.get("/me/history", headers=access).json
    status = api.get(f"/admin/customers/{customer_id}", headers=admin).json
    backoffice = api.get(f"/admin/customers/{customer_id}/history", headers=admin).json
    assert backoffice["events"][0]["until"] and status["locked_until"]
    # created_at, two versions' effective_at, the event's at and until (twice), locked_until at least
    assert assert_one_format(me, history, status, backoffice) >= 9
