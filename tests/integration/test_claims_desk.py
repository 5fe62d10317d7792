"""The platform's own claims desk, on moto with the real handlers and the API served over HTTP: it is a registered
insurer the fan-out files with through the connector like any other (signed, one claim per incident and policy),
it takes facts learned later once per webhook-id, and adjusters move its claims in the back office, each change
reaching the risk event's timeline."""

from __future__ import annotations

import json
import threading

import pytest

from insure.claims_desk.registration import PLATFORM_INSURER_ID
from insure.signatures import new_secret, sign
from local.simulators import SHUTDOWN_POLL_S
from local.sqs_poller import to_event
from tests.integration.test_issuance import accepted, issuance, pay  # noqa: F401 - `issuance` is a fixture
from tests.integration.test_risk_intake import risk

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
FINDER = {"name": "Fran Finder", "phone": "+13125550177"}


@pytest.fixture
def served(platform, monkeypatch):
    """The platform's API served over HTTP (the desk's base_url is on it), as the local cloud serves it."""
    from werkzeug.serving import make_server

    from insure.settings import get_settings
    from local.api_gateway import ApiGateway, TokenBucket

    gateway = ApiGateway(platform.functions, throttle=TokenBucket(rate=10_000, burst=10_000))
    server = make_server("127.0.0.1", 0, gateway, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True)
    thread.start()
    monkeypatch.setenv("PUBLIC_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("INSURER_POLL_INTERVAL_S", "0")
    get_settings.cache_clear()
    try:
        yield platform
    finally:
        server.shutdown()
        get_settings.cache_clear()


def _admin(platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.admin_key}"}


def _signed(body: dict | None = None, *, secret: str | None = None, message_id: str | None = None):
    raw = json.dumps(body) if body is not None else ""
    headers = sign(secret or risk().own_insurer().signing_secret, raw, message_id=message_id)
    return raw, {**headers, "Content-Type": "application/json"}


def _filing(event_id: str = "re_desk1", **changes) -> dict:
    return {
        "risk_event_id": event_id,
        "policy_number": "POL-DESK00000001",
        "event_type": "theft",
        "facts": {"event_type": "theft", "object_missing": True},
        "occurred_at": "2026-12-01T05:00:00Z",
        "location": {"lat": 40.7, "lon": -74.0, "accuracy_m": 12.0, "method": "gps"},
        "insured": {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com"},
        "object": {"description": "Dell XPS 13 (portable)", "serial_number": "SN-1"},
        "reporter": {"role": "third_party", "name": "Fran Finder"},
        **changes,
    }


def _received(api) -> list[dict]:
    import boto3

    from insure.settings import get_settings

    sqs, url = boto3.client("sqs"), get_settings().insurer_requests_queue_url
    messages: list[dict] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        messages += batch
    return messages


def test_the_desk_is_a_registered_insurer_whose_base_url_is_the_platforms_claims_api(served):
    desk = risk().own_insurer()
    assert desk.insurer_id == PLATFORM_INSURER_ID
    assert desk.base_url.endswith("/claims-desk") and desk.base_url.startswith("http://127.0.0.1:")
    assert risk().own_insurer().webhook_secrets == desk.webhook_secrets  # registered once


def test_connector_calls_are_signed_and_a_filing_is_recorded_once_per_incident_and_policy(served):
    api = served.api
    raw, headers = _signed(_filing())
    # When the connector files a claim, and the same filing again
    first = api.post("/claims-desk/claims", data=raw, headers=headers)
    again = api.post("/claims-desk/claims", data=raw, headers=_signed(_filing())[1])
    # Then one claim is recorded, with everything an insurer needs
    assert first.status_code == 201, first.json
    assert first.json["status"] == "received"
    assert again.json == first.json
    reference = first.json["claim_reference"]
    claim = api.get(f"/claims/{reference}", headers=_admin(served)).json
    assert claim["insured"]["name"] == "Ada Lovelace" and claim["object"]["serial_number"] == "SN-1"
    assert claim["location"]["method"] == "gps" and claim["event_type"] == "theft"
    assert [c["claim_reference"] for c in api.get("/claims", headers=_admin(served)).json["claims"]] == [reference]
    # And its progress reads back, signed
    _, get_headers = _signed()
    progress = api.get(f"/claims-desk/claims/{reference}", headers=get_headers)
    assert progress.status_code == 200 and progress.json["status"] == "received"
    # And unsigned or forged calls are 401 whatever they carry, and change nothing
    assert api.post("/claims-desk/claims", data="{not json").status_code == 401
    _, forged = _signed(_filing("re_other"), secret=new_secret())
    assert api.post("/claims-desk/claims", data=json.dumps(_filing("re_other")), headers=forged).status_code == 401
    assert api.get(f"/claims-desk/claims/{reference}").status_code == 401
    assert len(api.get("/claims", headers=_admin(served)).json["claims"]) == 1
    # And a signed but broken filing is 422
    bad_raw, bad_headers = _signed({"risk_event_id": "x"})
    assert api.post("/claims-desk/claims", data=bad_raw, headers=bad_headers).status_code == 422


def test_facts_learned_later_are_applied_once_per_webhook_id(served):
    api = served.api
    raw, headers = _signed(_filing())
    reference = api.post("/claims-desk/claims", data=raw, headers=headers).json["claim_reference"]
    delivery = {"risk_event_id": "re_desk1", "facts": {"police_report_number": "NYPD-4411"}, "updated_at": "x"}
    # When the same delivery arrives twice (a retry), then another one
    for message_id in ("facts_1", "facts_1", "facts_2"):
        body, signed = _signed(delivery, message_id=message_id)
        assert api.post(f"/claims-desk/claims/{reference}/facts", data=body, headers=signed).status_code == 204
    # Then each delivery was applied once, and the facts merged
    claim = api.get(f"/claims/{reference}", headers=_admin(served)).json
    assert [u["webhook_id"] for u in claim["facts_updates"]] == ["facts_1", "facts_2"]
    assert claim["facts"] == {"event_type": "theft", "object_missing": True, "police_report_number": "NYPD-4411"}
    # And facts for another event's claim, or an unknown claim, are 404
    other, signed = _signed({**delivery, "risk_event_id": "re_other"})
    assert api.post(f"/claims-desk/claims/{reference}/facts", data=other, headers=signed).status_code == 404
    unknown, signed = _signed(delivery)
    assert api.post("/claims-desk/claims/PLT-NOPE/facts", data=unknown, headers=signed).status_code == 404


def test_adjusters_move_claims_one_step_at_a_time_with_a_note(served):
    api = served.api
    raw, headers = _signed(_filing())
    reference = api.post("/claims-desk/claims", data=raw, headers=headers).json["claim_reference"]
    url = f"/claims/{reference}/status"
    # Without the admin key: 401 before the body is read
    assert api.post(url, data="{not json", content_type="application/json").status_code == 401
    # A move the desk does not make is 409; an unknown status 422; a missing note 422
    assert api.post(url, json={"status": "paid", "note": "x"}, headers=_admin(served)).status_code == 409
    assert api.post(url, json={"status": "lost", "note": "x"}, headers=_admin(served)).status_code == 422
    assert api.post(url, json={"status": "assessing"}, headers=_admin(served)).status_code == 422
    # When the adjuster starts assessing
    assessing = api.post(url, json={"status": "assessing", "note": "Looking into it"}, headers=_admin(served))
    assert assessing.status_code == 200 and assessing.json["status"] == "assessing"
    # Then a theft is not approved before the police report number is known
    early = api.post(url, json={"status": "approved", "note": "ok"}, headers=_admin(served))
    assert early.status_code == 409
    # And the open-claims list filters by status; an unknown filter is 422
    assert len(api.get("/claims?status=assessing", headers=_admin(served)).json["claims"]) == 1
    assert api.get("/claims?status=received", headers=_admin(served)).json["claims"] == []
    assert api.get("/claims?status=nope", headers=_admin(served)).status_code == 422
    assert api.get("/claims").status_code == 401


def test_the_desks_texts_refuse_control_characters_and_bidi_overrides_and_change_nothing(served):
    api = served.api
    raw, headers = _signed(_filing())
    reference = api.post("/claims-desk/claims", data=raw, headers=headers).json["claim_reference"]
    before = api.get(f"/claims/{reference}", headers=_admin(served)).json
    # When an adjuster's note holds NUL, an escape sequence or a direction override (they were stored as sent)
    for note in ("Looking\x00 into it", "\x1b[2Jcleared", "refund \u202e0001$"):
        moved = api.post(
            f"/claims/{reference}/status", json={"status": "assessing", "note": note}, headers=_admin(served)
        )
        # Then it is a 422 naming the note
        assert moved.status_code == 422, moved.json
        assert [e["field"] for e in moved.json["errors"]] == ["note"]
    # And a note on several lines is still a note
    lines = api.post(
        f"/claims/{reference}/status",
        json={"status": "assessing", "note": "Called the owner.\nWaiting."},
        headers=_admin(served),
    )
    assert lines.status_code == 200, lines.json
    # When the connector files or delivers facts with such characters anywhere, even deep in a free-form object
    for filing in (
        _filing("re_ctl1", event_type="theft\x00"),
        _filing("re_ctl2", facts={"event_type": "theft", "notes": ["ok", {"said": "\u202egnp.exe"}]}),
        _filing("re_ctl3", reporter={"role": "third_party", "name": "Fran\x07"}),
    ):
        body, signed = _signed(filing)
        assert api.post("/claims-desk/claims", data=body, headers=signed).status_code == 422
    delivery, signed = _signed({"risk_event_id": "re_desk1", "facts": {"said": "a\x00b"}, "updated_at": "x"})
    assert api.post(f"/claims-desk/claims/{reference}/facts", data=delivery, headers=signed).status_code == 422
    # Then nothing else was recorded: one claim, its facts as filed
    claims = api.get("/claims", headers=_admin(served)).json["claims"]
    assert [c["claim_reference"] for c in claims] == [reference]
    assert claims[0]["facts"] == before["facts"] and claims[0]["facts_updates"] == []


def test_the_fanout_files_with_the_desk_through_the_connector_and_adjusters_moves_reach_the_timeline(
    served,
    issuance,  # noqa: F811 - the fixture imported above
):
    """A policy bought here, a finder's report, the fan-out worker files with the desk over HTTP like with any
    insurer; the adjuster's decisions then appear on the customer's event."""
    timeline = risk().progress.timeline
    api = served.api
    application_id, auth = accepted(api)
    number = pay(api, application_id, auth).json["policy_number"]
    # Given a finder reports the laptop stolen, by the policy number
    opened = api.post(
        "/risk-events", json={"policy_number": number, "reporter": FINDER, "facts": {"event_type": "theft"}}
    )
    assert opened.status_code == 201, opened.json["errors"]
    token = {"Authorization": f"Bearer {opened.json['reporter_token']}"}
    customer_event = api.get(f"/risk-events/{opened.json['risk_event_id']}", headers=token).json["related_event_ids"][0]
    # When the fan-out worker handles the queued filing
    messages = _received(api)
    assert [json.loads(m["Body"])["insurer_id"] for m in messages] == [PLATFORM_INSURER_ID]
    result = served.functions.invoke("insurer_fanout", to_event(messages, QUEUE_ARN))
    assert result["batchItemFailures"] == []
    # Then the desk holds exactly one claim for the incident, with the insured and the object
    claims = api.get("/claims", headers=_admin(served)).json["claims"]
    assert len(claims) == 1
    (claim,) = claims
    assert claim["risk_event_id"] == customer_event and claim["policy_number"] == number
    # And the customer's timeline shows the desk's claim
    (desk,) = timeline(customer_event)
    assert (desk.insurer_id, desk.claim_reference, desk.status) == (
        PLATFORM_INSURER_ID,
        claim["claim_reference"],
        "received",
    )
    # When an adjuster starts assessing, then the timeline shows it at once, as the desk's webhook
    moved = api.post(
        f"/claims/{claim['claim_reference']}/status",
        json={"status": "assessing", "note": "Adjuster assigned"},
        headers=_admin(served),
    )
    assert moved.status_code == 200, moved.json
    (desk,) = timeline(customer_event)
    assert desk.status == "assessing"
    assert (desk.history[-1].source, desk.history[-1].note) == ("webhook", "Adjuster assigned")
