"""Amendments and cancellation through the real ASL under moto: the policies API, the amendment state machine
running the issuance workflow's functions, the card processor simulator (charges and refunds)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import urllib.request
import uuid
from decimal import Decimal

from insure.policies.wording import long_date
from scripts.samples import APPLICATION, GOOD_CARD
from tests.integration.test_issuance import accepted, charges_at_processor, open_application, pay
from tests.pdf_text import pdf_text

TODAY = dt.datetime.now(dt.UTC).date()
DESKTOP = {"kind": "desktop", "brand": "HP", "model": "Z2", "purchase_year": 2025, "value": "2000.00"}


def issued(api, items=None):
    application_id, auth = accepted(api, **({"items": items} if items else {}))
    paid = pay(api, application_id, auth)
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    return number, auth, api.get(f"/policies/{number}", headers=auth).json


def amend(api, number, auth, items, effective=TODAY):
    body = {"changes": {"items": items}, "effective_date": effective.isoformat()}
    return api.post(f"/policies/{number}/amendments", json=body, headers=auth)


def accept(api, number, auth, shown):
    offer = shown["offer"]
    return api.post(
        f"/policies/{number}/amendments/{shown['amendment_id']}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )


def pay_difference(api, number, auth, amendment_id, card=GOOD_CARD, key=None):
    headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/policies/{number}/amendments/{amendment_id}/payment", json={"card": card}, headers=headers)


def refunds_at_processor() -> list[dict]:
    from insure.settings import get_settings

    with urllib.request.urlopen(f"{get_settings().card_processor_url}/v1/refunds") as response:
        return json.loads(response.read())["refunds"]


def test_adding_an_item_is_underwritten_offered_paid_and_issued_as_version_2(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    # When the customer adds a desktop from today
    submitted = amend(api, number, auth, [kept, DESKTOP])
    # Then it is re-underwritten and offered with the pro-rata difference for the rest of the term
    assert submitted.status_code == 201, submitted.json
    shown = submitted.json
    assert shown["status"] == "offered"
    assert shown["decision"]["approved"] is True
    assert shown["decision"]["rulebook_version"] == "computer@2026.12.2"
    offer = shown["offer"]
    assert offer["settlement"] == "charge"
    assert offer["previous_premium"] == policy["current"]["premium"]
    difference = Decimal(offer["premium"]["amount"]) - Decimal(offer["previous_premium"]["amount"])
    assert Decimal(offer["premium_difference"]["amount"]) == difference  # the whole term is left on day one
    terms = api.get(f"/policies/{number}/amendments/{shown['amendment_id']}/terms", headers=auth)
    assert hashlib.sha256(terms.data).hexdigest() == offer["terms_sha256"]
    # When they accept and pay the difference
    assert accept(api, number, auth, shown).json["status"] == "accepted"
    paid = pay_difference(api, number, auth, shown["amendment_id"])
    # Then the amended policy is version 2, with both items and its own document
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "issued"
    assert paid.json["version"] == 2
    assert paid.json["settlement"]["amount"] == offer["premium_difference"]
    now = api.get(f"/policies/{number}", headers=auth).json
    assert now["version"] == 2
    assert now["items"][0]["item_id"] == kept["item_id"]
    assert now["items"][1]["model"] == "Z2"
    assert now["current"]["premium"] == offer["premium"]
    versions = api.get(f"/policies/{number}/versions", headers=auth).json["versions"]
    assert [(v["version"], v["change"], v["made_by"]) for v in versions] == [
        (1, "issued", "workflow"),
        (2, "amended", "customer"),
    ]
    assert {c["kind"] for c in versions[1]["changes"]} == {"item_added", "premium"}
    first = api.get(f"/policies/{number}/versions/1/document", headers=auth)
    second = api.get(f"/policies/{number}/versions/2/document", headers=auth)
    assert first.data.startswith(b"%PDF") and second.data.startswith(b"%PDF")
    assert first.data != second.data
    # And the new version's schedule of endorsements lists both versions, the second with what it added
    endorsements = pdf_text(second.data)
    assert "Version 2, amended " in endorsements
    assert "1 " + long_date(policy["current"]["effective_date"]) + " Policy issued." in endorsements
    assert "Amended at the named insured's request: added " in endorsements
    assert "Amended" not in pdf_text(first.data)
    # And version 1 is as it was
    assert len(api.get(f"/policies/{number}/versions/1", headers=auth).json["items"]) == 1


def test_removing_an_item_refunds_the_difference_to_the_original_card(issuance):
    api = issuance.api
    number, auth, policy = issued(api, items=[APPLICATION["items"][0], DESKTOP])
    laptop, _desktop = policy["items"]
    before = len(refunds_at_processor())
    # When the customer drops the desktop
    shown = amend(api, number, auth, [{"item_id": laptop["item_id"]}]).json
    assert shown["status"] == "offered", shown
    assert shown["offer"]["settlement"] == "refund"
    assert shown["offer"]["premium_difference"]["amount"].startswith("-")
    # Then there is nothing to pay before acceptance (409), and accepting settles it: refunded, issued as version 2
    assert pay_difference(api, number, auth, shown["amendment_id"]).status_code == 409
    accepted_ = accept(api, number, auth, shown)
    assert accepted_.status_code == 200
    assert accepted_.json["status"] == "issued", accepted_.json
    refund = accepted_.json["settlement"]
    assert refund["kind"] == "refund"
    assert refund["amount"]["amount"] == shown["offer"]["premium_difference"]["amount"].lstrip("-")
    # And the processor recorded the refund
    refunds = refunds_at_processor()[before:]
    assert [r["amount"] for r in refunds] == [refund["amount"]["amount"]]
    assert [i["item_id"] for i in api.get(f"/policies/{number}", headers=auth).json["items"]] == [laptop["item_id"]]
    # And the payment call answers the refunded amendment (200, as the contract has it) without refunding again
    paid = pay_difference(api, number, auth, shown["amendment_id"])
    assert paid.status_code == 200, paid.json
    assert (paid.json["status"], paid.json["settlement"]) == ("issued", refund)
    assert len(refunds_at_processor()[before:]) == 1


def test_a_back_dated_amendment_is_refused_and_changes_nothing(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    response = amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}], TODAY - dt.timedelta(days=1))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "effective_date"
    assert "back-dating" in response.json["errors"][0]["message"]
    assert api.get(f"/policies/{number}/versions", headers=auth).json["versions"][-1]["version"] == 1
    # and the policy is free for another amendment
    assert amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}, DESKTOP]).status_code == 201


def test_unknown_item_ids_and_bad_items_are_field_errors(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    unknown = amend(api, number, auth, [{"item_id": "itm_nope"}])
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "changes.items[0].item_id"
    too_dear = amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"], "value": "999999.00"}])
    assert too_dear.status_code == 422
    assert "changes.items[0].value" in [e["field"] for e in too_dear.json["errors"]]


def test_a_declined_amendment_leaves_the_policy_as_it_was_and_may_be_changed_and_resubmitted(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    # When the customer adds a computer bought ten years ago
    old = {**DESKTOP, "purchase_year": TODAY.year - 10}
    declined = amend(api, number, auth, [kept, old]).json
    # Then it is declined with the rule that barred it, and the policy is unchanged
    assert declined["status"] == "declined"
    assert "CMP-B-OLD" in [r["rule_id"] for r in declined["decision"]["reasons"]]
    assert declined["offer"] is None
    assert api.get(f"/policies/{number}", headers=auth).json["version"] == 1
    # When they send it again with a recent computer
    again = amend(api, number, auth, [kept, DESKTOP])
    # Then it is offered
    assert again.status_code == 201
    assert again.json["status"] == "offered"


def test_one_amendment_in_flight_per_policy(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    assert amend(api, number, auth, [kept, DESKTOP]).json["status"] == "offered"
    second = amend(api, number, auth, [kept])
    assert second.status_code == 409
    cancel = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": TODAY.isoformat(), "reason": "no_longer_needed"},
        headers=auth,
    )
    assert cancel.status_code == 409


def test_cancellation_preview_then_cancel_refunds_and_closes_the_policy(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    premium = Decimal(policy["current"]["premium"]["amount"])
    before = len(refunds_at_processor())
    # When the customer previews a cancellation from today (the first day of the term)
    preview = api.get(f"/policies/{number}/cancellation/preview?effective_date={TODAY.isoformat()}", headers=auth)
    # Then everything but the rulebook's minimum premium would be refunded
    assert preview.status_code == 200, preview.json
    assert preview.json["minimum_premium"]["amount"] == "25.00"
    assert Decimal(preview.json["refund"]["amount"]) == premium - Decimal("25.00")
    # When they cancel
    cancelled = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": TODAY.isoformat(), "reason": "no_longer_needed"},
        headers=auth,
    )
    # Then the refund goes back to the card, and the policy is cancelled as version 2
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["refund"] == preview.json["refund"]
    assert [r["amount"] for r in refunds_at_processor()[before:]] == [preview.json["refund"]["amount"]]
    now = api.get(f"/policies/{number}", headers=auth).json
    assert (now["status"], now["version"]) == ("cancelled", 2)
    document = api.get(f"/policies/{number}/versions/2/document", headers=auth).data
    assert document.startswith(b"%PDF")
    # And its document says so, with the refund its clause explains: what was paid less the minimum premium kept
    text = pdf_text(document)
    refund = f"${Decimal(preview.json['refund']['amount']):,.2f}"
    assert f"This policy is cancelled from {long_date(TODAY)}. Refund of premium: {refund}." in text
    assert "The minimum premium of $25.00 is earned when the policy is issued: we keep at least that much" in text
    assert f"Cancelled from {long_date(TODAY)} at the named insured's request (no longer needed)" in text
    # And nothing more can change
    assert amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}]).status_code == 409
    again = api.post(
        f"/policies/{number}/cancellation", json={"effective_date": TODAY.isoformat(), "reason": "other"}, headers=auth
    )
    assert again.status_code == 409


def test_a_future_cancellation_is_pending_until_its_date(issuance):
    api = issuance.api
    number, auth, _ = issued(api)
    later = TODAY + dt.timedelta(days=30)
    response = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": later.isoformat(), "reason": "replaced_elsewhere"},
        headers=auth,
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_cancellation"
    assert api.get(f"/policies/{number}", headers=auth).json["status"] == "pending_cancellation"
    text = pdf_text(api.get(f"/policies/{number}/versions/2/document", headers=auth).data)
    assert f"Cancellation requested: coverage ends at 12:01 a.m. on {long_date(later)}." in text
    past = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": (TODAY - dt.timedelta(days=1)).isoformat(), "reason": "other"},
        headers=auth,
    )
    assert past.status_code in (409, 422)


def test_a_repeated_amendment_with_its_idempotency_key_is_submitted_once(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    keyed = {**auth, "Idempotency-Key": "amend-1"}
    body = {"changes": {"items": [kept, DESKTOP]}, "effective_date": TODAY.isoformat()}
    # When the same amendment is sent twice with one key
    first = api.post(f"/policies/{number}/amendments", json=body, headers=keyed)
    again = api.post(f"/policies/{number}/amendments", json=body, headers=keyed)
    # Then the repeat gets the first amendment (not a 409 for a second one in flight)
    assert (first.status_code, again.status_code) == (201, 201), again.json
    assert again.json["amendment_id"] == first.json["amendment_id"]
    # And the key with another body is 422
    other = {**body, "changes": {"items": [kept]}}
    assert api.post(f"/policies/{number}/amendments", json=other, headers=keyed).status_code == 422


def test_a_repeated_cancellation_with_its_idempotency_key_is_refunded_once(issuance):
    api = issuance.api
    number, auth, _ = issued(api)
    before = len(refunds_at_processor())
    keyed = {**auth, "Idempotency-Key": "cancel-1"}
    body = {"effective_date": TODAY.isoformat(), "reason": "no_longer_needed"}
    # When the cancellation is sent twice with one key
    first = api.post(f"/policies/{number}/cancellation", json=body, headers=keyed)
    again = api.post(f"/policies/{number}/cancellation", json=body, headers=keyed)
    # Then the repeat gets the first answer, and one refund and one new version were made
    assert (first.status_code, again.status_code) == (200, 200), again.json
    assert again.json == first.json
    assert len(refunds_at_processor()) - before == 1
    assert [v["version"] for v in api.get(f"/policies/{number}/versions", headers=auth).json["versions"]] == [1, 2]
    # And the key with another body is 422
    other = {**body, "reason": "other"}
    assert api.post(f"/policies/{number}/cancellation", json=other, headers=keyed).status_code == 422


def test_amendments_are_the_owners_only(issuance):
    api = issuance.api
    number, _auth, policy = issued(api)
    _, other = open_application(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    assert amend(api, number, other, [kept, DESKTOP]).status_code == 404
    assert api.post(f"/policies/{number}/amendments", json={}).status_code == 401  # before the body is checked
    assert api.get(f"/policies/{number}/cancellation/preview", headers=other).status_code == 404


def test_an_amendment_is_paid_only_with_a_token_made_for_it_or_first_used_by_it(issuance):
    import os

    import boto3

    from insure.payments.cards import Card
    from insure.payments.processor import HttpCardProcessor

    api = issuance.api
    adapter = HttpCardProcessor(os.environ["CARD_PROCESSOR_URL"])
    # Given two customers, each with an accepted amendment that has a difference to pay
    waiting = []
    for _ in range(2):
        number, auth, policy = issued(api)
        shown = amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}, DESKTOP]).json
        assert accept(api, number, auth, shown).json["status"] == "accepted"
        waiting.append((number, auth, shown["amendment_id"]))
    (my_number, my_auth, mine), (their_number, their_auth, theirs) = waiting
    # And a card tokenized for my amendment
    token = adapter.tokenize(Card("5555555555554444", 12, 2030, "123"), client_reference=mine)

    def pay_with(number, auth, amendment_id, payment_token):
        return api.post(
            f"/policies/{number}/amendments/{amendment_id}/payment",
            json={"payment_token": payment_token},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )

    # When the other customer presents it for their amendment
    stolen = pay_with(their_number, their_auth, theirs, token.token)
    # Then it is a 422 on the token, nothing is charged, and their amendment still awaits payment
    assert stolen.status_code == 422, stolen.json
    assert [e["field"] for e in stolen.json["errors"]] == ["payment_token"]
    assert charges_at_processor(token=token.token) == []
    assert api.get(f"/policies/{their_number}/amendments/{theirs}", headers=their_auth).json["status"] == "accepted"
    # When I pay my amendment with it
    paid = pay_with(my_number, my_auth, mine, token.token)
    # Then my amendment is issued, charged once under its own reference
    assert paid.status_code == 200, paid.json
    assert [c["reference"] for c in charges_at_processor(token=token.token)] == [mine]
    # And a token without a reference (another API client's) is bound by its first use: their amendment pays with
    # it, and my application-side sessions cannot reuse it afterwards
    unnamed = adapter.tokenize(Card("4242424242424242", 12, 2030, "123"))
    assert pay_with(their_number, their_auth, theirs, unnamed.token).status_code == 200
    application_id, application_auth = accepted(api)
    reused = api.post(
        f"/applications/{application_id}/payment",
        json={"payment_token": unnamed.token},
        headers={**application_auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert reused.status_code == 422, reused.json
    assert [c["reference"] for c in charges_at_processor(token=unnamed.token)] == [theirs]
    # And no token travels in the amendment workflow's input, output or history
    sfn = boto3.client("stepfunctions")
    machine = issuance.deployment.state_machines["amendments"]
    for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        dumped = json.dumps([described, history], default=str)
        assert token.token not in dumped and unnamed.token not in dumped


def test_issuing_an_amendment_reads_its_record_the_policy_and_the_application_once(issuance, monkeypatch):
    import threading

    from insure.amendments.repository import AmendmentRepository
    from insure.amendments.workflow import AmendmentTasks
    from insure.applications.repository import ApplicationRepository
    from insure.policies.repository import PolicyRepository

    api = issuance.api
    number, auth, policy = issued(api)
    # Given the reads made by the issue task counted (the task runs in its own thread)
    inside, reads = threading.local(), {"amendment": 0, "policy": 0, "application": 0}

    def counted(cls, method, name):
        original = getattr(cls, method)

        def wrapper(self, *args, **kwargs):
            if getattr(inside, "issuing", False):
                reads[name] += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, wrapper)

    counted(AmendmentRepository, "get", "amendment")
    counted(PolicyRepository, "get", "policy")
    counted(ApplicationRepository, "get", "application")
    issue = AmendmentTasks.issue

    def issuing(self, event):
        inside.issuing = True
        try:
            return issue(self, event)
        finally:
            inside.issuing = False

    monkeypatch.setattr(AmendmentTasks, "issue", issuing)
    # When an amendment adding an item is paid and issued with its document
    shown = amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}, DESKTOP]).json
    assert accept(api, number, auth, shown).status_code == 200
    paid = pay_difference(api, number, auth, shown["amendment_id"])
    assert (paid.status_code, paid.json["status"]) == (200, "issued"), paid.json
    assert api.get(f"/policies/{number}/versions/2/document", headers=auth).data.startswith(b"%PDF")
    deadline = time.monotonic() + 10
    while not issuance.functions.idle():
        assert time.monotonic() < deadline, "the issue task did not finish"
        time.sleep(0.01)
    # Then the task read the amendment, the policy and its application once each: the tags, the document and the
    # holder's notice share what it read, and the new version is not read back
    assert reads == {"amendment": 1, "policy": 1, "application": 1}
