"""A customer's access token reads the risk events on their policies for as long as the account exists: the
customer's event on a policy linked to their account (with every insurer's progress), never a third party's own
event nor another customer's."""

from __future__ import annotations

import boto3

from tests.integration.test_accounts import create_account, login
from tests.integration.test_issuance import accepted, bearer, pay

FINDER = {"name": "Fran Finder", "phone": "+13125550177"}


def _expire_session(auth: dict[str, str], number: str) -> None:
    """The session's token and the policy's session run out, as they do after a day."""
    from insure.sessions import SessionRepository, token_hash
    from insure.settings import get_settings

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    table = get_settings().table_name
    dynamodb.update_item(
        TableName=table,
        Key=SessionRepository.key(token_hash(auth["Authorization"].removeprefix("Bearer "))),
        UpdateExpression="SET expires_at_epoch = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item["pk"]["S"] == f"POLICY#{number}":
            dynamodb.update_item(
                TableName=table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET session_expires_at_epoch = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )


def test_the_customers_access_token_reads_the_risk_events_on_their_policies_only(issuance):
    api = issuance.api
    # Given Ada bought a policy and made an account with its session
    application_id, auth = accepted(api)
    number = pay(api, application_id, auth).json["policy_number"]
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    # And a finder reported on her laptop (their event, and Ada's)
    opened = api.post("/risk-events", json={"policy_number": number, "reporter": FINDER})
    assert opened.status_code == 201, opened.json
    finders_event = opened.json["risk_event_id"]
    finder = bearer(opened.json["reporter_token"])
    (adas_event,) = api.get(f"/risk-events/{finders_event}", headers=finder).json["related_event_ids"]
    # When her session has long expired
    _expire_session(auth, number)
    # Then her access token reads her event, with its insurers
    shown = api.get(f"/risk-events/{adas_event}", headers=access)
    assert shown.status_code == 200, shown.json
    assert shown.json["risk_event_id"] == adas_event and shown.json["reports"][0]["reporter"]["name"] == "Fran Finder"
    assert [i["insurer_id"] for i in shown.json["insurers"]] == ["ins_platform"]
    assert shown.headers["ETag"]
    # But not the finder's own event (404, as for an unknown one)
    assert api.get(f"/risk-events/{finders_event}", headers=access).status_code == 404
    # And the reporter token still reads the finder's event only
    assert api.get(f"/risk-events/{finders_event}", headers=finder).status_code == 200
    assert api.get(f"/risk-events/{adas_event}", headers=finder).status_code == 404
    # And another customer's token gets 404; a made-up token or none, 401
    other_application, other_auth = accepted(api)
    assert pay(api, other_application, other_auth).status_code == 200
    assert create_account(api, other_auth, email="grace@example.com").status_code == 201
    grace = bearer(login(api, email="grace@example.com").json["access_token"])
    assert api.get(f"/risk-events/{adas_event}", headers=grace).status_code == 404
    assert api.get(f"/risk-events/{adas_event}", headers=bearer("at_made_up")).status_code == 401
    assert api.get(f"/risk-events/{adas_event}").status_code == 401
    # And facts stay the reporter's to send (the customer's access token is refused before the body is read)
    assert api.post(f"/risk-events/{adas_event}/facts", data="{", headers=access).status_code == 401


def test_a_customer_lists_their_risk_events_with_each_insurers_name_and_nobody_elses(issuance):
    api = issuance.api
    # Given Ada bought a policy, made an account, and has no risk event yet
    application_id, auth = accepted(api)
    number = pay(api, application_id, auth).json["policy_number"]
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    assert api.get("/me/risk-events", headers=access).json == {"risk_events": []}
    # When a finder reports on her laptop
    opened = api.post("/risk-events", json={"policy_number": number, "reporter": FINDER})
    assert opened.status_code == 201, opened.json
    finder = bearer(opened.json["reporter_token"])
    (adas_event,) = api.get(f"/risk-events/{opened.json['risk_event_id']}", headers=finder).json["related_event_ids"]
    # Then her list holds her event (not the finder's own), with its status and each insurer by name
    listed = api.get("/me/risk-events", headers=access)
    assert listed.status_code == 200, listed.json
    (event,) = listed.json["risk_events"]
    assert event["risk_event_id"] == adas_event and event["policy_number"] == number
    assert event["status"] in ("open", "in_progress") and event["reporter_is_customer"] is False
    assert event["object_description"] and event["opened_at"].endswith("Z")
    assert [(i["insurer_id"], i["name"]) for i in event["insurers"]] == [("ins_platform", "Platform claims desk")]
    # And the event she opens from it names the insurer too, never its secrets or address
    (shown,) = api.get(f"/risk-events/{adas_event}", headers=access).json["insurers"]
    assert shown["name"] == "Platform claims desk"
    assert not {"webhook_secret", "webhook_secrets", "base_url", "salesperson"} & set(shown)
    # And the finder sees that insurer's status by name, but not Ada's claim: no reference, policy or notes
    (seen,) = api.get(f"/risk-events/{opened.json['risk_event_id']}", headers=finder).json["insurers"]
    assert seen["name"] == "Platform claims desk" and seen["status"] == shown["status"]
    assert seen["claim_reference"] is None and seen["policy_number"] is None
    assert all(entry["note"] is None for entry in seen["history"])
    # And another customer lists nothing of hers; without an access token it is 401 (a reporter token too)
    other_application, other_auth = accepted(api)
    assert pay(api, other_application, other_auth).status_code == 200
    assert create_account(api, other_auth, email="grace@example.com").status_code == 201
    grace = bearer(login(api, email="grace@example.com").json["access_token"])
    assert api.get("/me/risk-events", headers=grace).json == {"risk_events": []}
    assert api.get("/me/risk-events").status_code == 401
    assert api.get("/me/risk-events", headers=finder).status_code == 401
