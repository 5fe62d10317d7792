"""Who gets what about a risk event, once, through the real queue, sender and simulated gateway: the owner when a
third party reports on their object (and the third party's guidance says so only once a message was really
delivered), each insurer's salesperson when a claim is filed with it, the customer on each insurer status change;
duplicate deliveries of any of these tell nobody twice. A third party's contact reaches insurers only with their
consent."""

from __future__ import annotations

import json
import re
import time

from insure.claims_desk.registration import PLATFORM_INSURER_ID
from local.sqs_poller import to_event
from tests.integration.test_claims_desk import QUEUE_ARN, _admin, _received, served  # noqa: F401 - a fixture
from tests.integration.test_issuance import accepted, issuance, pay  # noqa: F401 - a fixture
from tests.integration.test_notifications import wired  # noqa: F401 - a fixture
from tests.integration.test_policy_notices import delivered, settle
from tests.integration.test_risk_intake import risk

OWNER_PHONE, OWNER_EMAIL = "+12125550100", "ada@example.com"
SALES_EMAIL = "sales@insurance-platform.example"
FINDER = {"name": "Fran Finder", "phone": "+13125550177", "email": "fran@example.com"}
TOLD = "third-party-owner-notified"


def _bought(api) -> str:
    application_id, auth = accepted(api)
    return pay(api, application_id, auth).json["policy_number"]


FOUND_AT = {"lat": 40.7527, "lon": -73.9772, "accuracy_m": 8.0, "method": "gps"}


def _report(api, number: str, reporter: dict, facts: dict | None = None) -> tuple[str, dict, str]:
    body = {"policy_number": number, "reporter": reporter, "facts": facts or {}, "location": FOUND_AT}
    opened = api.post("/risk-events", json=body)
    assert opened.status_code == 201, opened.json
    token = {"Authorization": f"Bearer {opened.json['reporter_token']}"}
    shown = api.get(f"/risk-events/{opened.json['risk_event_id']}", headers=token).json
    return opened.json["risk_event_id"], token, shown["related_event_ids"][0]


def _guidance(api, event_id: str, token: dict) -> dict[str, str]:
    return {g["rule_id"]: g["text"] for g in api.get(f"/risk-events/{event_id}", headers=token).json["guidance"]}


def test_the_owner_is_told_of_a_third_partys_report_and_the_finders_guidance_says_so_only_once_sent(
    served,  # noqa: F811
    issuance,  # noqa: F811
    wired,  # noqa: F811
):
    api = served.api
    number = _bought(api)
    assert delivered(wired.gateway, OWNER_PHONE, f"policy {number} is issued")
    settle(wired, 0)
    # Given the gateway is down for the next few sends
    wired.gateway.fail_next(6)
    # When a finder reports the laptop found, saying where it is
    said = {"event_type": "found", "description": "Left on the 7:02 train, now at the ticket office"}
    own, token, _ = _report(api, number, FINDER, said)
    # Then, while the messages are not delivered, the finder is not told the owner knows
    assert TOLD not in _guidance(api, own, token)
    # When the gateway recovers (the sender retries through the queue)
    text = delivered(wired.gateway, OWNER_PHONE, "Fran Finder reported on your Dell XPS 13")
    mail = delivered(wired.gateway, OWNER_EMAIL, "Fran Finder reported on your Dell XPS 13")
    # Then the owner gets one text and one e-mail: who, where, what they said
    assert len(text) == 1 and len(mail) == 1
    assert "ticket office" in text[0]["body"] and "40.75270, -73.97720 (within 8 m, by gps)" in text[0]["body"]
    assert FINDER["phone"] not in text[0]["body"]  # only the name: the contact is the finder's to give
    # And the finder's guidance now says the owner was told, with the time of the first delivery
    deadline = time.monotonic() + 10
    while TOLD not in (steps := _guidance(api, own, token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    records = [r for r in wired.records.for_recipient("sms", OWNER_PHONE) if r.template == "third_party_report"]
    assert [r.status for r in records] == ["sent"]
    assert re.fullmatch(r"We told the owner on \d{1,2} \w+ 20\d\d, \d\d:\d\d UTC that you reported this\.", steps[TOLD])
    # When the same report is delivered again (an Idempotency-Key replay is one report; here the intake re-runs)
    from insure.risk.owner_notices import tell_owner

    root = risk()
    tell_owner(root.event_store.get(own)[0], root.tag_store)
    settle(wired)
    # Then the owner is not told twice
    assert len(delivered(wired.gateway, OWNER_PHONE, "reported on your", count=2, timeout=0)) == 1


def test_the_salesperson_and_the_customer_are_told_once_per_filing_and_per_status(
    served,  # noqa: F811
    issuance,  # noqa: F811
    wired,  # noqa: F811
):
    api = served.api
    number = _bought(api)
    _, _, customer_event = _report(api, number, FINDER, {"event_type": "theft"})
    # When the fan-out files the claim with the platform's desk, and the same message is delivered again
    messages = _received(api)
    for _ in range(2):
        result = served.functions.invoke("insurer_fanout", to_event(messages, QUEUE_ARN))
        assert result["batchItemFailures"] == []
    (claim,) = [c for c in api.get("/claims", headers=_admin(served)).json["claims"]]
    reference = claim["claim_reference"]
    # Then the desk's salesperson gets one e-mail naming the claim and the policy
    sales = delivered(wired.gateway, SALES_EMAIL, f"Claim {reference} filed")
    assert len(sales) == 1 and number in sales[0]["body"]
    # And the customer gets one text: the claim was received
    received = delivered(wired.gateway, OWNER_PHONE, f"claim {reference} is received")
    assert len(received) == 1
    # When an adjuster moves the claim to assessing, and the desk's webhook is delivered twice
    moved = api.post(
        f"/claims/{reference}/status", json={"status": "assessing", "note": "Adjuster assigned"}, headers=_admin(served)
    )
    assert moved.status_code == 200, moved.json
    risk().progress.apply_update(
        customer_event, PLATFORM_INSURER_ID, "assessing", note="Adjuster assigned", source="webhook"
    )
    # Then the customer is told once, with the adjuster's note
    assessing = delivered(wired.gateway, OWNER_PHONE, f"claim {reference} is assessing")
    settle(wired)
    assessing = delivered(wired.gateway, OWNER_PHONE, f"claim {reference} is assessing", count=2, timeout=0)
    assert len(assessing) == 1 and "Adjuster assigned" in assessing[0]["body"]
    # And the finder, a third party, is never told about the owner's claim
    assert [m for m in wired.gateway.messages(FINDER["phone"]) if "claim" in m["body"]] == []
    assert len(delivered(wired.gateway, SALES_EMAIL, f"Claim {reference} filed", count=2, timeout=0)) == 1


def test_a_third_partys_contact_reaches_the_insurers_only_with_their_consent(served, issuance):  # noqa: F811
    root = risk()
    claim_parties, events = root.updates.claim_parties, root.event_store
    api = served.api
    number = _bought(api)
    # A finder who does not say they agree: insurers get their name, never their phone or e-mail
    _, _, customer_event = _report(api, number, FINDER)
    assert claim_parties(events.get(customer_event)[0])["reporter"] == {
        "role": "third_party",
        "name": "Fran Finder",
    }
    # A finder who agrees: their contact goes with the claim
    other = _bought(api)
    _, _, agreed_event = _report(api, other, {**FINDER, "share_contact_with_insurers": True})
    assert claim_parties(events.get(agreed_event)[0])["reporter"] == {"role": "third_party", **FINDER}
    # And what the fan-out queues for the insurer carries exactly that
    queued = [json.loads(m["Body"]) for m in _received(api)]
    by_event = {m["risk_event_id"]: m["reporter"] for m in queued}
    assert by_event[customer_event] == {"role": "third_party", "name": "Fran Finder"}
    assert by_event[agreed_event] == {"role": "third_party", **FINDER}
    # And a consent that is not a yes/no is refused, changing nothing
    refused = api.post(
        "/risk-events",
        json={"policy_number": number, "reporter": {**FINDER, "share_contact_with_insurers": "maybe"}},
    )
    assert refused.status_code == 422
