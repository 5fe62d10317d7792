"""Risk-event intake on the platform (moto, handlers in-process): devices, tags, signed scans, web reports,
who is reporting, facts and guidance, reporter auth and ETags."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from insure.signatures import sign

CUSTOMER = {
    "name": "Ada Lovelace",
    "phone": "+1 212 555 0100",
    "email": "ada@example.com",
    "date_of_birth": "1985-12-10",
    "postal_code": "10001",
}
LOCATION = {"lat": 40.7128, "lon": -74.006, "accuracy_m": 8.5, "method": "gps"}


def risk():
    """The risk functions' composition root over this test's platform (built fresh: nothing cached to clear)."""
    from insure.roots.risk import RiskRoot

    return RiskRoot.from_environment()


def admin(platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.admin_key}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register_insurer(name: str = "Acme Mutual", hours: int = 48) -> str:
    from insure.risk.insurers import Salesperson

    registered = risk().insurers.register(
        name,
        "http://127.0.0.1:9/acme",
        Salesperson(name="Sam Seller", email="sam@acme.example", phone="+12125550199"),
        reporting_deadline_hours=hours,
    )
    return registered.insurer_id


def register_device(platform) -> tuple[str, str]:
    response = platform.api.post("/devices", json={"name": "scanner"}, headers=admin(platform))
    assert response.status_code == 201
    return response.json["device_id"], response.json["secret"]


def register_tag(platform, insurer_ids: list[str], tag_id: str | None = None, policy_number: str | None = None):
    tag_id = tag_id or f"TAG-{uuid.uuid4().hex[:10]}"
    body = {
        "tag_id": tag_id,
        "kind": "qr",
        "object": {"description": "Dell XPS 13 laptop", "category": "portable"},
        "customer": CUSTOMER,
        "policies": [
            {"insurer_id": i, "policy_number": policy_number or f"POL-{uuid.uuid4().hex[:8]}", "product": "computer"}
            for i in insurer_ids
        ],
    }
    response = platform.api.post("/tags", json=body, headers=admin(platform))
    assert response.status_code == 201, response.json
    return tag_id


def scan_body(device_id: str, tag_id: str, scan_id: str | None = None, reporter: dict | None = None) -> bytes:
    body = {
        "scan_id": scan_id or f"scan-{uuid.uuid4().hex}",
        "tag_id": tag_id,
        "device_id": device_id,
        "scanned_at": datetime.now(tz=UTC).isoformat(),
        "location": LOCATION,
    }
    if reporter is not None:
        body["reporter"] = reporter
    return json.dumps(body).encode()


def post_scan(platform, secret: str | list[str], body: bytes, **sign_kwargs):
    if isinstance(secret, list):
        headers = sign(secret[0], body, **sign_kwargs)
        other = sign(secret[1], body, message_id=headers["webhook-id"])
        headers["webhook-signature"] += " " + other["webhook-signature"]
    else:
        headers = sign(secret, body, **sign_kwargs)
    return platform.api.post("/scans", data=body, headers={**headers, "Content-Type": "application/json"})


def count_items(prefix: str) -> int:
    table = boto3.client("dynamodb")
    items = table.scan(TableName="table")["Items"]
    return sum(1 for i in items if i["pk"]["S"].startswith(prefix))


def progress_insurers(risk_event_id: str) -> set[str]:
    return {p.insurer_id for p in risk().progress.timeline(risk_event_id)}


@pytest.fixture
def setup(platform):
    insurer_a = register_insurer("Acme Mutual", 48)
    insurer_b = register_insurer("Bolt Insurance", 24)
    device_id, secret = register_device(platform)
    tag_id = register_tag(platform, [insurer_a, insurer_b])
    return {"insurers": [insurer_a, insurer_b], "device_id": device_id, "secret": secret, "tag_id": tag_id}


# ---- back office ------------------------------------------------------------------------------------------------


def test_device_registration_needs_the_admin_key_and_shows_a_whsec_secret_once(platform):
    # When the back office registers a scanner without, with a wrong and with the right admin key
    missing = platform.api.post("/devices")
    wrong = platform.api.post("/devices", json={}, headers=bearer("not-the-key"))
    created = platform.api.post("/devices", json={"name": "dock 3"}, headers=admin(platform))
    # Then only the right key registers it, and the secret is a whsec_ secret of at least 24 bytes
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert created.status_code == 201
    assert platform.api.post("/devices", headers=admin(platform)).status_code == 201  # the body is optional
    assert created.json["device_id"].startswith("dev_")
    assert created.json["secret"].startswith("whsec_")
    assert count_items("DEVICE#") == 2


def test_an_idempotency_key_on_a_back_office_post_replays_the_first_registration(platform):
    def twice_then_another_body(path: str, body: dict, other: dict) -> dict:
        headers = {**admin(platform), "Idempotency-Key": f"key-{path}"}
        first = platform.api.post(path, json=body, headers=headers)
        again = platform.api.post(path, json=body, headers=headers)
        # Then the repeat gets the first response (the same id, the same secret shown), not a second resource
        assert (first.status_code, again.status_code) == (201, 201), (path, first.json, again.json)
        assert again.json == first.json
        # And another body under the same key is 422
        refused = platform.api.post(path, json=other, headers=headers)
        assert refused.status_code == 422, (path, refused.json)
        return first.json

    # When each creating POST of the back office is sent twice under one key, then with another body
    insurer = {
        "name": "Acme Mutual",
        "base_url": "https://claims.acme.example/v1",
        "salesperson": {"name": "Sam Seller", "email": "sam@acme.example"},
    }
    insurer_id = twice_then_another_body("/insurers", insurer, {**insurer, "name": "Other Mutual"})["insurer_id"]
    twice_then_another_body("/devices", {"name": "scanner 1"}, {"name": "scanner 2"})
    tag = {
        "tag_id": "TAG-IDEM-1",
        "kind": "qr",
        "object": {"description": "Dell XPS 13 laptop", "category": "portable"},
        "customer": CUSTOMER,
        "policies": [{"insurer_id": insurer_id, "policy_number": "POL-1", "product": "computer"}],
    }
    twice_then_another_body("/tags", tag, {**tag, "kind": "rfid"})
    # Then one of each exists
    assert len(platform.api.get("/insurers", headers=admin(platform)).json["insurers"]) == 1
    assert count_items("DEVICE#") == 1 and count_items("TAG#") == 1


def test_tag_needs_registered_insurers_and_a_fresh_tag_id(platform):
    insurer_id = register_insurer()
    body = {
        "tag_id": "TAG-dup",
        "kind": "rfid",
        "object": {"description": "Bike"},
        "customer": CUSTOMER,
        "policies": [
            {"insurer_id": insurer_id, "policy_number": "P-1", "product": "bike"},
            {"insurer_id": "ins_nobody", "policy_number": "P-2", "product": "bike"},
        ],
    }
    # When a policy names an unknown insurer
    unknown = platform.api.post("/tags", json=body, headers=admin(platform))
    # Then it is 422 naming the field, and nothing is stored
    assert unknown.status_code == 422
    assert unknown.json["errors"] == [
        {"field": "policies[1].insurer_id", "message": "No registered insurer ins_nobody."}
    ]
    assert count_items("TAG") == 0
    # When the tag is registered with known insurers, then again
    body["policies"] = body["policies"][:1]
    first = platform.api.post("/tags", json=body, headers=admin(platform))
    again = platform.api.post("/tags", json=body, headers=admin(platform))
    # Then the first is 201 without the customer's private information, the repeat 409
    assert first.status_code == 201
    assert "customer" not in first.json
    assert again.status_code == 409
    # And a refused registration leaves nothing that finds the tag by a policy it does not carry
    stray = {**body, "policies": [{"insurer_id": insurer_id, "policy_number": "P-stray", "product": "bike"}]}
    assert platform.api.post("/tags", json=stray, headers=admin(platform)).status_code == 409
    by_stray = platform.api.post("/risk-events", json={"policy_number": "P-stray", "reporter": {"name": "X"}})
    assert by_stray.status_code == 404
    # And unauthenticated registration is 401
    assert platform.api.post("/tags", json=body).status_code == 401


# ---- signed scans -----------------------------------------------------------------------------------------------


def test_signed_scan_by_the_customer_opens_one_event_fanned_out_to_every_insurer(platform, setup):
    # Given a scan signed with the device's secret, the customer holding the scanner
    body = scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Ada Lovelace", "phone": "2125550100"})
    # When it is posted
    response = post_scan(platform, setup["secret"], body)
    # Then one customer event opens, with a token, and every insurer has a pending entry
    assert response.status_code == 202, response.json
    event_id, token = response.json["risk_event_id"], response.json["reporter_token"]
    assert token.startswith("rt_")
    assert progress_insurers(event_id) == set(setup["insurers"])
    view = platform.api.get(f"/risk-events/{event_id}", headers=bearer(token))
    assert view.status_code == 200
    assert view.json["reporter_is_customer"] is True
    assert view.json["related_event_ids"] == []
    assert view.json["location"] == LOCATION
    assert view.json["status"] == "open"
    assert {i["insurer_id"] for i in view.json["insurers"]} == set(setup["insurers"])
    assert all(i["status"] == "pending" for i in view.json["insurers"])
    rule_ids = [g["rule_id"] for g in view.json["guidance"]]
    assert "describe-what-happened" in rule_ids
    assert {f"insurer-deadline:{i}" for i in setup["insurers"]} <= set(rule_ids)
    # And the token itself is not stored, only its hash
    stored = json.dumps(boto3.client("dynamodb").scan(TableName="table")["Items"])
    assert token not in stored


def test_an_event_whose_insurers_all_settled_unreachable_included_is_resolved(platform, setup):
    progress = risk().progress
    body = scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Ada Lovelace", "phone": "2125550100"})
    response = post_scan(platform, setup["secret"], body)
    event_id, token = response.json["risk_event_id"], response.json["reporter_token"]
    answering, silent = setup["insurers"]
    # Given one insurer paid the claim while the other never answered
    progress.apply_update(event_id, answering, "paid", source="poll", claim_reference="REF-1")
    assert platform.api.get(f"/risk-events/{event_id}", headers=bearer(token)).json["status"] == "in_progress"
    progress.mark_unreachable(event_id, silent, "No answer after 5 attempts.")
    # Then nothing more is expected of any insurer: the event is resolved
    view = platform.api.get(f"/risk-events/{event_id}", headers=bearer(token)).json
    assert {i["status"] for i in view["insurers"]} == {"paid", "unreachable"}
    assert view["status"] == "resolved"


def test_third_party_scan_opens_two_linked_events_and_only_the_customers_is_fanned_out(platform, setup):
    # Given a finder (not the customer) scanning the tag
    body = scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Grace Hopper", "phone": "+13125550123"})
    # When the scan is posted
    response = post_scan(platform, setup["secret"], body)
    assert response.status_code == 202
    own_id, token = response.json["risk_event_id"], response.json["reporter_token"]
    # Then the finder's event is theirs, third-party guidance, linked to the customer's
    own = platform.api.get(f"/risk-events/{own_id}", headers=bearer(token)).json
    assert own["reporter_is_customer"] is False
    assert own["status"] == "reported_to_owner"
    assert len(own["related_event_ids"]) == 1
    customer_id = own["related_event_ids"][0]
    # and the person on site sees every insurer of the object by name, its status only (not the owner's claim)
    assert {i["insurer_id"] for i in own["insurers"]} == set(setup["insurers"]) and all(
        i["name"] for i in own["insurers"]
    )
    assert all(i["claim_reference"] is None and i["policy_number"] is None for i in own["insurers"])
    own_rules = [g["rule_id"] for g in own["guidance"]]
    assert "third-party-report-recorded" in own_rules and "third-party-do-not-touch" in own_rules
    assert not any(r.startswith("insurer-deadline") for r in own_rules)
    # And the customer's event records who reported and where, links back, and is the one fanned out
    reporter_token = risk().tokens.token

    customer = platform.api.get(f"/risk-events/{customer_id}", headers=bearer(reporter_token(customer_id))).json
    assert customer["related_event_ids"] == [own_id]
    assert customer["reports"][0]["reporter"]["name"] == "Grace Hopper"
    assert customer["reports"][0]["location"] == LOCATION
    assert customer["reports"][0]["risk_event_id"] == own_id
    assert any(g["rule_id"].startswith("insurer-deadline") for g in customer["guidance"])
    assert progress_insurers(customer_id) == set(setup["insurers"])
    assert progress_insurers(own_id) == set()


def test_anonymous_scan_is_treated_as_a_third_party(platform, setup):
    response = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"]))
    assert response.status_code == 202
    view = platform.api.get(
        f"/risk-events/{response.json['risk_event_id']}", headers=bearer(response.json["reporter_token"])
    ).json
    assert view["reporter_is_customer"] is False
    assert len(view["related_event_ids"]) == 1


@pytest.mark.parametrize("case", ["forged", "stale", "missing", "wrong_device_secret", "tampered_body"])
def test_bad_signatures_are_401_and_change_nothing(platform, setup, case):
    body = scan_body(setup["device_id"], setup["tag_id"])
    headers = sign(setup["secret"], body)
    if case == "forged":
        from insure.signatures import new_secret

        headers = sign(new_secret(), body)
    elif case == "stale":
        headers = sign(setup["secret"], body, at=datetime.now(tz=UTC) - timedelta(minutes=6))
    elif case == "missing":
        headers = {}
    elif case == "wrong_device_secret":
        _, other_secret = register_device(platform)
        headers = sign(other_secret, body)
    elif case == "tampered_body":
        body = body.replace(b'"gps"', b'"imu"')
    # When the scan is posted with that signature
    response = platform.api.post("/scans", data=body, headers={**headers, "Content-Type": "application/json"})
    # Then it is 401 and no event, claim or progress exists
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert count_items("RISKEVENT#") == 0
    assert count_items("SCAN") == 0
    assert count_items("PROGRESS#") == 0


def test_unknown_device_is_401_and_unknown_tag_is_404_both_changing_nothing(platform, setup):
    body = scan_body("dev_unknown", setup["tag_id"])
    assert post_scan(platform, setup["secret"], body).status_code == 401
    for nameless in (b"[1, 2]", b"{not json", json.dumps({"tag_id": setup["tag_id"]}).encode()):
        assert post_scan(platform, setup["secret"], nameless).status_code == 401
    missing_tag = post_scan(platform, setup["secret"], scan_body(setup["device_id"], "TAG-nope"))
    assert missing_tag.status_code == 404
    assert count_items("RISKEVENT#") == 0
    assert count_items("SCAN") == 0


def test_rotated_secrets_old_and_new_verify_and_two_signatures_in_the_header_verify(platform, setup):
    # Given the device's secret rotated
    rotated = platform.api.post(f"/devices/{setup['device_id']}/secrets", headers=admin(platform))
    assert rotated.status_code == 201
    new_secret = rotated.json["secret"]
    assert new_secret != setup["secret"]
    # When scans are signed with the old secret, the new one, and both (two signatures in one header)
    old = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"]))
    new = post_scan(platform, new_secret, scan_body(setup["device_id"], setup["tag_id"]))
    both = post_scan(platform, [new_secret, setup["secret"]], scan_body(setup["device_id"], setup["tag_id"]))
    # Then all verify during the rotation
    assert (old.status_code, new.status_code, both.status_code) == (202, 202, 202)
    # And after a second rotation the oldest secret no longer verifies
    platform.api.post(f"/devices/{setup['device_id']}/secrets", headers=admin(platform))
    assert post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"])).status_code == 401
    # And rotating needs the admin key; an unknown device is 404
    assert platform.api.post(f"/devices/{setup['device_id']}/secrets").status_code == 401
    assert platform.api.post("/devices/dev_nope/secrets", headers=admin(platform)).status_code == 404


def test_a_retried_rotation_with_its_idempotency_key_rotates_once(platform, setup):
    device = setup["device_id"]
    keyed = {**admin(platform), "Idempotency-Key": "rotate-1"}
    # When a rotation is sent twice with one key
    first = platform.api.post(f"/devices/{device}/secrets", headers=keyed)
    again = platform.api.post(f"/devices/{device}/secrets", headers=keyed)
    # Then both answers show the one new secret, and the original secret still verifies (rotated once, not twice)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and first.json["secret"] != setup["secret"]
    assert post_scan(platform, setup["secret"], scan_body(device, setup["tag_id"])).status_code == 202
    # And the key with another device is 422; once a later rotation replaced that secret, the key is 409
    other = platform.api.post("/devices", headers=admin(platform)).json["device_id"]
    assert platform.api.post(f"/devices/{other}/secrets", headers=keyed).status_code == 422
    platform.api.post(f"/devices/{device}/secrets", headers=admin(platform))
    platform.api.post(f"/devices/{device}/secrets", headers=admin(platform))
    assert platform.api.post(f"/devices/{device}/secrets", headers=keyed).status_code == 409


def test_signed_but_invalid_scan_is_422_and_changes_nothing(platform, setup):
    body = json.dumps({"scan_id": "s1", "tag_id": setup["tag_id"], "device_id": setup["device_id"]}).encode()
    response = post_scan(platform, setup["secret"], body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"scanned_at", "location"}
    assert count_items("RISKEVENT#") == 0


# ---- duplicates -------------------------------------------------------------------------------------------------


def test_repeated_scan_id_and_repeated_webhook_id_return_the_same_event(platform, setup):
    body = scan_body(setup["device_id"], setup["tag_id"], scan_id="scan-dup-1")
    first = post_scan(platform, setup["secret"], body)
    # When the same scan_id comes again in a new message, and the same message (webhook-id) is re-delivered
    again = post_scan(platform, setup["secret"], body)
    headers = sign(setup["secret"], body, message_id="msg_fixed")
    redelivered_1 = platform.api.post("/scans", data=body, headers=headers)
    redelivered_2 = platform.api.post("/scans", data=body, headers=headers)
    # Then every answer names the same event and token, and one event exists
    answers = {
        (r.status_code, r.json["risk_event_id"], r.json["reporter_token"])
        for r in (first, again, redelivered_1, redelivered_2)
    }
    assert len(answers) == 1
    assert next(iter(answers))[0] == 202
    assert count_items("RISKEVENT#") == 2  # the finder's (anonymous) event and the customer's
    assert count_items("SCAN#") == 1


def test_same_webhook_id_with_another_scan_is_not_applied_twice(platform, setup):
    first_body = scan_body(setup["device_id"], setup["tag_id"])
    second_body = scan_body(setup["device_id"], setup["tag_id"])
    first = platform.api.post("/scans", data=first_body, headers=sign(setup["secret"], first_body, message_id="msg_x"))
    second = platform.api.post(
        "/scans", data=second_body, headers=sign(setup["secret"], second_body, message_id="msg_x")
    )
    assert second.status_code == 202
    assert second.json == first.json
    assert count_items("SCAN#") == 1


def test_two_scanners_numbering_scans_alike_and_reusing_a_webhook_id_each_get_their_own_event(platform, setup):
    # Given a second scanner that, like the first, numbers its scans from 1 and reuses a message id
    other_device, other_secret = register_device(platform)
    other_tag = register_tag(platform, setup["insurers"])
    customer = {"name": "Ada Lovelace", "phone": CUSTOMER["phone"]}
    first_body = scan_body(setup["device_id"], setup["tag_id"], scan_id="1", reporter=customer)
    second_body = scan_body(other_device, other_tag, scan_id="1", reporter=customer)
    # When each sends scan 1 under the same webhook-id
    first = platform.api.post("/scans", data=first_body, headers=sign(setup["secret"], first_body, message_id="msg_1"))
    second = platform.api.post("/scans", data=second_body, headers=sign(other_secret, second_body, message_id="msg_1"))
    # Then each scan is taken in, and neither scanner gets the other's event or reporter token
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json["risk_event_id"] != second.json["risk_event_id"]
    assert first.json["reporter_token"] != second.json["reporter_token"]
    assert count_items("SCAN#") == 2
    second_view = platform.api.get(
        f"/risk-events/{second.json['risk_event_id']}", headers=bearer(second.json["reporter_token"])
    )
    assert second_view.json["tag_id"] == other_tag
    # And each scanner's own repeat still returns its own first answer
    again = platform.api.post("/scans", data=second_body, headers=sign(other_secret, second_body, message_id="msg_1"))
    assert again.json == second.json


def test_concurrent_duplicate_scans_open_one_event(platform, setup):
    # Given eight copies of one scan, half re-sent with the same message id, half as new messages
    body = scan_body(setup["device_id"], setup["tag_id"], scan_id="scan-race", reporter={"email": "ADA@example.com"})
    fixed = sign(setup["secret"], body, message_id="msg_race")
    results: list = []
    lock = threading.Lock()

    def send(n: int) -> None:
        headers = fixed if n % 2 else sign(setup["secret"], body)
        response = platform.api.post("/scans", data=body, headers=headers)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    # When they arrive at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then all are accepted with the same event, and exactly one event (the customer's) exists
    assert [r.status_code for r in results] == [202] * 8
    assert len({r.json["risk_event_id"] for r in results}) == 1
    assert count_items("RISKEVENT#") == 1
    assert progress_insurers(results[0].json["risk_event_id"]) == set(setup["insurers"])


# ---- web reports ------------------------------------------------------------------------------------------------


def test_web_report_by_policy_number_from_the_customer_with_facts(platform):
    insurer_id = register_insurer()
    tag_id = register_tag(platform, [insurer_id], policy_number="POL-web-1")
    body = {
        "policy_number": "POL-web-1",
        "reporter": {"name": "LOVELACE, Ada", "date_of_birth": "1985-12-10"},
        "facts": {"event_type": "theft", "description": "Bag taken from the car"},
    }
    response = platform.api.post("/risk-events", json=body)
    assert response.status_code == 201
    view = platform.api.get(
        f"/risk-events/{response.json['risk_event_id']}", headers=bearer(response.json["reporter_token"])
    ).json
    assert view["reporter_is_customer"] is True
    assert view["tag_id"] == tag_id
    assert view["facts"]["event_type"] == "theft"
    assert "police-report" in [g["rule_id"] for g in view["guidance"]]


def test_web_report_idempotency_key_replays_and_rejects_a_different_body(platform):
    insurer_id = register_insurer()
    tag_id = register_tag(platform, [insurer_id])
    body = {"tag_id": tag_id, "reporter": {"name": "Neighbour Ned", "phone": "+1 646 555 0000"}}
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    first = platform.api.post("/risk-events", json=body, headers=key)
    again = platform.api.post("/risk-events", json=body, headers=key)
    other = platform.api.post("/risk-events", json={**body, "reporter": {"name": "Someone else"}}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert other.status_code == 422
    assert count_items("RISKEVENT#") == 2  # one third-party report: the neighbour's event and the customer's


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"reporter": {"name": "X"}}, 422),  # neither tag nor policy
        ({"tag_id": "TAG-nope", "reporter": {"name": "X"}}, 404),
        ({"policy_number": "POL-nope", "reporter": {"name": "X"}}, 404),
        ({"tag_id": "T", "reporter": {}}, 422),
    ],
)
def test_web_report_refusals_change_nothing(platform, body, status):
    response = platform.api.post("/risk-events", json=body)
    assert response.status_code == status
    assert count_items("RISKEVENT#") == 0


def test_malformed_json_is_400(platform):
    response = platform.api.post("/risk-events", data=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


# ---- reporter auth, ETag, facts ---------------------------------------------------------------------------------


def test_reporter_token_auth_401_without_or_with_unknown_token_404_for_another_events_token(platform, setup):
    first = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"])).json
    second = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"])).json
    path = f"/risk-events/{first['risk_event_id']}"
    assert platform.api.get(path).status_code == 401
    assert platform.api.get(path, headers=bearer("rt_made-up")).status_code == 401
    assert platform.api.get(path, headers=bearer(second["reporter_token"])).status_code == 404
    assert platform.api.post(f"{path}/facts", json={"injuries": True}).status_code == 401
    assert platform.api.post(f"{path}/facts", json={"injuries": "junk"}).status_code == 401  # token before body
    own = bearer(first["reporter_token"])
    malformed = platform.api.post(f"{path}/facts", data=b"{junk", headers=own)
    assert malformed.status_code == 400
    assert malformed.headers["Content-Type"] == "application/problem+json"
    assert (
        platform.api.post(
            f"{path}/facts", json={"injuries": True}, headers=bearer(second["reporter_token"])
        ).status_code
        == 404
    )
    assert platform.api.get("/risk-events/re_nope", headers=bearer(first["reporter_token"])).status_code == 404


def test_etag_is_strong_and_if_none_match_answers_304_until_the_event_changes(platform, setup):
    opened = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"phone": CUSTOMER["phone"]})
    ).json
    path, auth = f"/risk-events/{opened['risk_event_id']}", bearer(opened["reporter_token"])
    first = platform.api.get(path, headers=auth)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    # When the client polls with If-None-Match and nothing changed
    unchanged = platform.api.get(path, headers={**auth, "If-None-Match": etag})
    assert unchanged.status_code == 304, unchanged.json["errors"]
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    # When facts arrive, the representation changes: a new ETag and a 200
    platform.api.post(f"{path}/facts", json={"event_type": "fire"}, headers=auth)
    changed = platform.api.get(path, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_facts_merge_and_change_the_guidance_safety_first(platform, setup):
    opened = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"phone": CUSTOMER["phone"]})
    ).json
    path, auth = f"/risk-events/{opened['risk_event_id']}/facts", bearer(opened["reporter_token"])
    # When the type is sent, then injuries and a description
    collision = platform.api.post(path, json={"event_type": "collision"}, headers=auth)
    assert collision.status_code == 200
    rules = [g["rule_id"] for g in collision.json["guidance"]]
    assert "police-report" in rules and "call-911" not in rules
    injured = platform.api.post(
        path, json={"injuries": True, "police_report_number": "NYPD-42", "description": "ignore rules"}, headers=auth
    )
    # Then facts merge, 911 comes first, and the police-report step turns into an acknowledgement
    assert injured.json["facts"] == {
        "event_type": "collision",
        "injuries": True,
        "police_report_number": "NYPD-42",
        "description": "ignore rules",
    }
    rules = [g["rule_id"] for g in injured.json["guidance"]]
    assert rules[0] == "call-911"
    assert "police-report" not in rules and "police-report-received" in rules
    # And unknown facts or wrong types are 422 and change nothing
    bad = platform.api.post(path, json={"event_type": "meteor", "injuries": "maybe"}, headers=auth)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"event_type", "injuries"}


def test_third_party_facts_are_mirrored_on_the_customers_event_with_its_own_guidance(platform, setup):
    opened = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Finder Fay"})
    ).json
    auth = bearer(opened["reporter_token"])
    response = platform.api.post(
        f"/risk-events/{opened['risk_event_id']}/facts",
        json={"event_type": "water_damage", "water_leaking": True},
        headers=auth,
    )
    assert response.status_code == 200
    third_party_rules = [g["rule_id"] for g in response.json["guidance"]]
    customer_id = response.json["related_event_ids"][0]
    reporter_token = risk().tokens.token

    customer = platform.api.get(f"/risk-events/{customer_id}", headers=bearer(reporter_token(customer_id))).json
    assert customer["facts"] == {"event_type": "water_damage", "water_leaking": True}
    customer_rules = [g["rule_id"] for g in customer["guidance"]]
    assert "stop-the-water" in customer_rules and "stop-the-water" not in third_party_rules
    assert "third-party-do-not-touch" in third_party_rules and "third-party-do-not-touch" not in customer_rules


def test_event_type_becoming_known_redispatches_the_customers_event(platform, setup, monkeypatch):
    from insure.risk.fanout import Dispatcher

    opened = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"phone": CUSTOMER["phone"]})
    ).json
    calls: list = []
    monkeypatch.setattr(Dispatcher, "dispatch", lambda self, request: calls.append(request))
    path, auth = f"/risk-events/{opened['risk_event_id']}/facts", bearer(opened["reporter_token"])
    platform.api.post(path, json={"injuries": False}, headers=auth)  # type still unknown: no dispatch
    platform.api.post(path, json={"event_type": "theft"}, headers=auth)  # first known: dispatch
    platform.api.post(path, json={"event_type": "theft", "police_notified": True}, headers=auth)  # same type
    platform.api.post(path, json={"event_type": "vandalism"}, headers=auth)  # changed: dispatch
    assert [c.event_type for c in calls] == ["theft", "vandalism"]
    assert calls[0].risk_event_id == opened["risk_event_id"]
    assert {p.insurer_id for p in calls[0].policies} == set(setup["insurers"])


def test_facts_are_pushed_live_to_both_linked_events(platform, setup, monkeypatch):
    from insure.risk.live import LiveHub

    pushed: list[tuple[str, dict]] = []
    monkeypatch.setattr(LiveHub, "publish", lambda self, event_id, payload: pushed.append((event_id, payload)))
    opened = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"])).json
    path, auth = f"/risk-events/{opened['risk_event_id']}/facts", bearer(opened["reporter_token"])
    # When the third party sends facts
    response = platform.api.post(path, json={"event_type": "theft"}, headers=auth)
    # Then both their event and the customer's are pushed, each with its own guidance
    customer_id = response.json["related_event_ids"][0]
    assert [event_id for event_id, _ in pushed] == [opened["risk_event_id"], customer_id]
    assert all(payload["type"] == "facts" and payload["facts"] == {"event_type": "theft"} for _, payload in pushed)
    assert pushed[0][1]["guidance"] != pushed[1][1]["guidance"]
    # And repeating the same facts changes nothing, so nothing is pushed
    platform.api.post(path, json={"event_type": "theft"}, headers=auth)
    assert len(pushed) == 2


def finder_scan(platform, setup) -> tuple[dict, dict, str]:
    """A finder's scan of the setup's tag: (the 202 body, the finder's event as they see it, the customer's id)."""
    opened = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Finder One"})
    ).json
    view = platform.api.get(f"/risk-events/{opened['risk_event_id']}", headers=bearer(opened["reporter_token"])).json
    return opened, view, view["related_event_ids"][0]


def test_later_reports_on_the_same_object_join_the_open_incident(platform, setup):
    # Given a finder's scan opened the customer's event
    reporter_token = risk().tokens.token

    first, _, customer_id = finder_scan(platform, setup)
    # When a second passer-by scans the same tag, and then the customer reports from the web with facts
    second = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Passer Two"})
    ).json
    customer = platform.api.post(
        "/risk-events",
        json={
            "tag_id": setup["tag_id"],
            "reporter": {"name": "Ada Lovelace", "email": CUSTOMER["email"]},
            "facts": {"event_type": "fire"},
        },
    ).json
    # Then the second passer-by's event links to the same customer's event, which records both reports
    second_view = platform.api.get(f"/risk-events/{second['risk_event_id']}", headers=bearer(second["reporter_token"]))
    assert second_view.json["related_event_ids"] == [customer_id]
    # And the customer is given that same event, now with their facts, still one claim per insurer
    assert customer["risk_event_id"] == customer_id
    assert customer["reporter_token"] == reporter_token(customer_id)
    view = platform.api.get(f"/risk-events/{customer_id}", headers=bearer(customer["reporter_token"])).json
    assert view["related_event_ids"] == [first["risk_event_id"], second["risk_event_id"]]
    assert [r["reporter"]["name"] for r in view["reports"]] == ["Finder One", "Passer Two"]
    assert view["reporter_is_customer"] is True  # the customer now reports it themselves
    assert view["facts"] == {"event_type": "fire"}
    assert view["guidance"][0]["rule_id"] == "call-911"
    assert count_items("RISKEVENT#") == 3
    assert progress_insurers(customer_id) == set(setup["insurers"])


def test_a_report_past_the_incidents_last_kept_one_is_refused_never_acknowledged_and_dropped(
    platform, setup, monkeypatch
):
    from insure.risk import events

    monkeypatch.setattr(events, "MAX_REPORTS", 2)
    # Given an incident holding as many reports by others as it keeps
    first, _, customer_id = finder_scan(platform, setup)
    second_body = scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Passer Two"})
    second = platform.api.post("/scans", data=second_body, headers=sign(setup["secret"], second_body, message_id="m2"))
    assert second.status_code == 202
    stored = count_items("RISKEVENT#"), count_items("SCAN#")
    # When one more passer-by scans the tag, and another reports it from the web
    third = post_scan(
        platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter={"name": "Passer Three"})
    )
    web = platform.api.post("/risk-events", json={"tag_id": setup["tag_id"], "reporter": {"name": "Passer Four"}})
    # Then both are refused with a problem saying why, and nothing was written for them
    for refused in (third, web):
        assert refused.status_code == 409, refused.json
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert "reports" in refused.json["detail"]
    assert (count_items("RISKEVENT#"), count_items("SCAN#")) == stored
    # And every report that was acknowledged is on the customer's event
    customer = platform.api.get(f"/risk-events/{customer_id}", headers=bearer(risk().tokens.token(customer_id)))
    assert [r["risk_event_id"] for r in customer.json["reports"]] == [
        first["risk_event_id"],
        second.json["risk_event_id"],
    ]
    # And a repeat of an acknowledged report is still answered as the first time
    again = platform.api.post("/scans", data=second_body, headers=sign(setup["secret"], second_body, message_id="m2"))
    assert (again.status_code, again.json) == (202, second.json)


def test_the_customer_scanning_an_incident_a_third_party_opened_becomes_its_reporter(platform, setup, monkeypatch):
    from insure.risk.live import LiveHub

    events = risk().event_store
    # Given a finder's scan opened the customer's event, at the finder's location
    finder, finder_view, customer_id = finder_scan(platform, setup)
    stored, _ = events.get(customer_id)
    assert stored.reporter_is_customer is False
    # When the customer scans the same tag from elsewhere (and the scanner delivers that scan twice)
    body = json.loads(scan_body(setup["device_id"], setup["tag_id"], reporter={"phone": CUSTOMER["phone"]}))
    body["location"] = {"lat": 40.75, "lon": -73.99, "accuracy_m": 20.0, "method": "cell"}
    raw = json.dumps(body).encode()
    pushed: list[tuple[str, dict]] = []
    monkeypatch.setattr(LiveHub, "publish", lambda self, event_id, payload: pushed.append((event_id, payload)))
    first = post_scan(platform, setup["secret"], raw)
    again = post_scan(platform, setup["secret"], raw)
    # Then they get the open incident, which now names them as its reporter, at their location
    assert first.status_code == again.status_code == 202
    assert first.json == again.json
    assert first.json["risk_event_id"] == customer_id
    view = platform.api.get(f"/risk-events/{customer_id}", headers=bearer(first.json["reporter_token"])).json
    assert view["reporter_is_customer"] is True
    assert view["location"]["method"] == "cell"
    # And the finder's report (with where the finder was) is kept, still linked both ways, no new event
    assert [r["reporter"]["name"] for r in view["reports"]] == ["Finder One"]
    assert view["reports"][0]["location"]["method"] == "gps"
    assert view["related_event_ids"] == [finder["risk_event_id"]]
    stored, version = events.get(customer_id)
    assert stored.reporter.phone and version == 2  # opened with the finder's report; the customer on site, once
    assert finder_view["reporter_is_customer"] is False
    assert count_items("RISKEVENT#") == 2
    # And the change was pushed live to the customer's event once
    assert [(event_id, payload["type"]) for event_id, payload in pushed] == [(customer_id, "customer_report")]


def test_a_repeat_completes_an_intake_interrupted_after_its_claims(platform, setup):
    from insure.risk import events
    from insure.risk.reporters import ReporterIdentity

    root = risk()
    tag = root.tags.get(setup["tag_id"])

    # Given a first delivery that claimed its message and scan id, then died before writing the events
    body = scan_body(setup["device_id"], setup["tag_id"], scan_id="scan-crash", reporter={"phone": CUSTOMER["phone"]})
    built = events.build_events(
        tag,
        ReporterIdentity(phone=CUSTOMER["phone"]),
        ids=(
            events.derived_id("scan", setup["device_id"], "scan-crash", "reporter"),
            events.derived_id("scan", setup["device_id"], "scan-crash", "customer"),
        ),
        source="scan",
        location=None,
        occurred_at="2026-11-23T08:00:00Z",
        facts={},
        deadlines=root.intake.deadlines(tag),
        scan_id="scan-crash",
    )
    repo = root.event_store
    device = setup["device_id"]
    assert repo.claim_message(device, "msg_crash", "scan-crash") and repo.claim_scan(device, "scan-crash", built)
    assert count_items("RISKEVENT#") == 0
    # When the scanner retries the same message
    retry = platform.api.post("/scans", data=body, headers=sign(setup["secret"], body, message_id="msg_crash"))
    # Then the retry gets the first intake's event, now written, readable with its token and fanned out
    assert retry.status_code == 202
    assert retry.json["risk_event_id"] == built[0].risk_event_id
    view = platform.api.get(f"/risk-events/{built[0].risk_event_id}", headers=bearer(retry.json["reporter_token"]))
    assert view.status_code == 200
    assert count_items("RISKEVENT#") == 1
    assert progress_insurers(built[0].risk_event_id) == set(setup["insurers"])
