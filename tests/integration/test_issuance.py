"""Single-session issuance through the real ASL under moto: the API, the workflow's tasks, the card processor
simulator, all as the local cloud runs them."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
import uuid
from decimal import Decimal

import pytest

from scripts.samples import APPLICATION, DECLINED_CARD, GOOD_CARD
from tests.pdf_text import pdf_text


@pytest.fixture
def issuance(platform, rulebooks, monkeypatch):
    """The platform with rulebooks seeded and the card processor simulator running."""
    from insure.settings import get_settings
    from insure.underwriting import reset_cache
    from local import moto_fixes
    from local.simulators.card_processor import CardProcessorSimulator

    moto_fixes.install()  # as the local cloud does: a second execution per state machine, parsed ASL cached
    simulator = CardProcessorSimulator()
    simulator.start()
    monkeypatch.setenv("CARD_PROCESSOR_URL", simulator.url)
    monkeypatch.setenv("RESPONSE_WAIT_MS", "20000")  # the answer waits for the workflow (a busy CI machine)
    get_settings.cache_clear()
    reset_cache()
    try:
        yield platform
    finally:
        simulator.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_application(api, **changes):
    body = copy.deepcopy(APPLICATION)
    body.update(changes)
    response = api.post("/applications", json=body)
    assert response.status_code == 201, response.json
    return response.json["application_id"], bearer(response.json["session_token"])


def submit(api, application_id, auth):
    """Submit and, if the decision is not ready within the wait (202, a slow machine), read it once it is."""
    submitted = api.post(f"/applications/{application_id}/submit", headers=auth)
    assert submitted.status_code in (200, 202), submitted.json
    shown = submitted.json
    deadline = time.monotonic() + 15
    while shown["status"] == "underwriting" and time.monotonic() < deadline:
        time.sleep(0.05)
        shown = api.get(f"/applications/{application_id}", headers=auth).json
    return shown


def offered(api, **changes):
    application_id, auth = open_application(api, **changes)
    shown = submit(api, application_id, auth)
    assert shown["status"] == "offered", shown
    return application_id, auth, shown


def accepted(api, **changes):
    application_id, auth, shown = offered(api, **changes)
    offer = shown["offer"]
    response = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    assert response.status_code == 200, response.json
    return application_id, auth


def pay(api, application_id, auth, card=GOOD_CARD, key=None):
    headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/applications/{application_id}/payment", json={"card": card}, headers=headers)


def test_happy_path_from_application_to_issued_policy_with_document(issuance):
    api = issuance.api
    # Given an approved application with its offer
    application_id, auth, shown = offered(api)
    offer = shown["offer"]
    assert shown["decision"]["approved"] is True
    assert shown["decision"]["rulebook_version"]
    assert offer["premium"] == shown["decision"]["premium"]
    # And the terms document whose hash the offer carries
    terms = api.get(f"/applications/{application_id}/terms", headers=auth)
    assert terms.status_code == 200
    assert hashlib.sha256(terms.data).hexdigest() == offer["terms_sha256"]
    # When the person accepts the terms shown and pays by card
    accept = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    assert accept.status_code == 200
    assert accept.json["status"] == "accepted"
    paid = pay(api, application_id, auth)
    # Then the policy is issued in the same response
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "issued"
    number = paid.json["policy_number"]
    assert paid.json["payment"]["last4"] == "4242"
    assert paid.json["payment"]["brand"] == "visa"
    # And the policy shows the current version, the referrer and the premium
    policy = api.get(f"/policies/{number}", headers=auth)
    assert policy.status_code == 200
    assert policy.json["current"]["referrer"] == "partner-dell"
    assert policy.json["current"]["premium"] == offer["premium"]
    assert policy.json["current"]["signed_by_officer"] is True  # NY requires the officer's signature
    assert [h["change"] for h in policy.json["history"]] == ["issued"]
    # And its document is a PDF: the declarations of the policy, with the insured's mailing address as applied,
    # the rulebook's minimum premium and the officer's signature the state requires
    document = api.get(f"/policies/{number}/document", headers=auth)
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.data.startswith(b"%PDF")
    text = pdf_text(document.data)
    assert f"Policy number {number} Version 1, the policy as issued" in text
    assert "Ada Lovelace 1 Main St New York, NY 10001" in text
    assert "Dell XPS 13, portable computer (laptop)" in text and "$1,500.00 replacement value" in text
    assert f"Annual premium ${Decimal(offer['premium']['amount']):,.2f} for the policy period" in text
    assert "Minimum premium $25.00, kept on cancellation" in text
    assert "J. Q. Underwood, Chief Underwriting Officer" in text
    # And the application reads issued
    assert api.get(f"/applications/{application_id}", headers=auth).json["status"] == "issued"


def test_card_number_and_cvc_are_never_stored(issuance):
    import boto3

    api = issuance.api
    application_id, auth = accepted(api)
    assert pay(api, application_id, auth).status_code == 200
    dump = str(boto3.client("dynamodb").scan(TableName="table")["Items"])
    dump += str(boto3.client("dynamodb").scan(TableName="idempotency")["Items"])
    assert "4242424242424242" not in dump
    assert "'123'" not in dump


def test_intake_refuses_a_state_outside_the_product_list(issuance):
    response = issuance.api.post("/applications", json={**APPLICATION, "state": "WY"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["state"]


def test_decline_with_reasons_then_modify_and_resubmit(issuance):
    api = issuance.api
    old = [{**APPLICATION["items"][0], "purchase_year": 2012}]
    application_id, auth = open_application(api, items=old)
    # When an application with an eight-year-old computer is submitted
    declined = submit(api, application_id, auth)
    # Then it is declined with the rule that barred it
    assert declined["status"] == "declined"
    assert declined["decision"]["approved"] is False
    assert "CMP-B-OLD" in [r["rule_id"] for r in declined["decision"]["reasons"]]
    assert declined["offer"] is None
    # When the person corrects the purchase year and resubmits
    patched = api.patch(f"/applications/{application_id}", json={"items": APPLICATION["items"]}, headers=auth)
    assert patched.status_code == 200, patched.json
    assert patched.json["status"] == "draft"
    assert patched.json["decision"] is None
    resubmitted = submit(api, application_id, auth)
    # Then it is approved with an offer
    assert resubmitted["status"] == "offered"
    assert resubmitted["submissions"] == 2


def test_patch_with_bad_input_changes_nothing(issuance):
    api = issuance.api
    application_id, auth = open_application(api)
    before = api.get(f"/applications/{application_id}", headers=auth).json
    response = api.patch(f"/applications/{application_id}", json={"state": "WY"}, headers=auth)
    assert response.status_code == 422
    assert api.get(f"/applications/{application_id}", headers=auth).json == before


def test_offered_application_cannot_be_patched(issuance):
    api = issuance.api
    application_id, auth, _ = offered(api)
    response = api.patch(f"/applications/{application_id}", json={"referrer": "x"}, headers=auth)
    assert response.status_code == 409


def test_acceptance_with_another_hash_is_refused(issuance):
    api = issuance.api
    application_id, auth, shown = offered(api)
    response = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": shown["offer"]["offer_id"], "terms_sha256": "0" * 64},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "terms_sha256"
    assert api.get(f"/applications/{application_id}", headers=auth).json["status"] == "offered"


def test_declined_card_then_success(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    # When the first card is declined
    declined = pay(api, application_id, auth, card=DECLINED_CARD)
    # Then the payment is a 402 problem and the application may be paid again
    assert declined.status_code == 402, declined.json
    assert declined.json["decline_code"] == "card_declined"
    assert declined.json["attempts_remaining"] == 2
    assert api.get(f"/applications/{application_id}", headers=auth).json["status"] == "payment_failed"
    # When another card is used
    paid = pay(api, application_id, auth)
    # Then the policy is issued
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "issued"
    assert paid.json["payment"]["attempts"] == 2


def test_three_declines_end_in_payment_failed(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    insufficient = {**GOOD_CARD, "number": "4000000000009995"}
    for remaining in (2, 1, 0):
        response = pay(api, application_id, auth, card=insufficient)
        assert response.status_code == 402
        assert response.json["decline_code"] == "insufficient_funds"
        assert response.json["attempts_remaining"] == remaining
    assert pay(api, application_id, auth).status_code == 409


def test_duplicate_payment_replays_the_first_response(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    first = pay(api, application_id, auth, key="pay-once")
    again = pay(api, application_id, auth, key="pay-once")
    assert first.status_code == again.status_code == 200
    assert again.json == first.json
    policy = api.get(f"/policies/{first.json['policy_number']}", headers=auth).json
    assert len(policy["history"]) == 1


def test_same_key_with_another_body_is_422(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    assert pay(api, application_id, auth, card=DECLINED_CARD, key="k1").status_code == 402
    changed = pay(api, application_id, auth, card=GOOD_CARD, key="k1")
    assert changed.status_code == 422
    assert api.get(f"/applications/{application_id}", headers=auth).json["status"] == "payment_failed"


def test_payment_needs_an_idempotency_key_and_a_valid_card(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    missing = api.post(f"/applications/{application_id}/payment", json={"card": GOOD_CARD}, headers=auth)
    assert missing.status_code == 400
    bad = pay(api, application_id, auth, card={**GOOD_CARD, "number": "4242424242424241", "exp_year": 2020})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"card.number", "card.exp_year"}
    assert "4242424242424241" not in bad.get_data(as_text=True)


def test_another_sessions_token_gets_404_and_no_token_401(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    number = pay(api, application_id, auth).json["policy_number"]
    _, other = open_application(api)
    assert api.get(f"/applications/{application_id}", headers=other).status_code == 404
    assert api.get(f"/policies/{number}", headers=other).status_code == 404
    assert api.get(f"/policies/{number}/document", headers=other).status_code == 404
    assert api.get(f"/applications/{application_id}").status_code == 401
    assert api.get(f"/applications/{application_id}", headers=bearer("nope")).status_code == 401
    assert api.get("/applications/app_unknown", headers=other).status_code == 404
    assert api.get("/applications/app_unknown", headers=bearer("nope")).status_code == 401


def test_offer_expires(issuance, monkeypatch):
    from insure.settings import get_settings

    monkeypatch.setenv("OFFER_TTL_SECONDS", "1")
    get_settings.cache_clear()
    api = issuance.api
    application_id, auth, shown = offered(api)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = api.get(f"/applications/{application_id}", headers=auth).json["status"]
        if status == "expired":
            break
        time.sleep(0.1)
    assert status == "expired"
    response = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": shown["offer"]["offer_id"], "terms_sha256": shown["offer"]["terms_sha256"]},
        headers=auth,
    )
    assert response.status_code == 409


def test_a_transient_task_error_is_retried_and_a_failing_task_records_failed(issuance, monkeypatch):
    from insure.applications.workflow import IssuanceTasks
    from insure.errors import TransientError

    api = issuance.api
    original = IssuanceTasks.underwrite
    calls: list[str] = []

    def flaky(self, event):
        calls.append(event["application_id"])
        if len(calls) == 1:
            raise TransientError("rulebook store timed out")
        return original(self, event)

    # Given underwriting that fails once with a transient error
    monkeypatch.setattr(IssuanceTasks, "underwrite", flaky)
    application_id, auth = open_application(api)
    api.post(f"/applications/{application_id}/submit", headers=auth)
    # Then the workflow retries it (ASL Retry matched the error's class name) and the offer is made
    deadline = time.monotonic() + 10
    status = "underwriting"
    while status == "underwriting" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = api.get(f"/applications/{application_id}", headers=auth).json["status"]
    assert status == "offered"
    assert len(calls) == 2

    # Given underwriting that fails for good
    def broken(self, event):
        raise ValueError("bad rulebook")

    monkeypatch.setattr(IssuanceTasks, "underwrite", broken)
    application_id, auth = open_application(api)
    shown = submit(api, application_id, auth)
    # Then the Catch records the application as failed, and it may be changed and submitted again
    assert shown["status"] == "failed"
    assert api.patch(f"/applications/{application_id}", json={"referrer": "retry"}, headers=auth).status_code == 200


def test_concurrent_executions_each_reach_their_own_policy(issuance):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.test import Client

    gateway = issuance.api.application
    one_request_at_a_time = threading.Lock()

    class SerialClient(Client):
        """Powertools keeps the current event on the BaseRouter class, so resolvers in one process must not run
        concurrently; the people's requests take turns while their workflow executions run side by side."""

        def open(self, *args, **kwargs):
            with one_request_at_a_time:
                return super().open(*args, **kwargs)

    def session(index: int) -> tuple[str, str]:
        api = SerialClient(gateway)
        application_id, auth = accepted(api)
        paid = pay(api, application_id, auth)
        assert paid.status_code in (200, 202), paid.json
        deadline = time.monotonic() + 15
        shown = api.get(f"/applications/{application_id}", headers=auth).json
        while shown["status"] != "issued" and time.monotonic() < deadline:
            time.sleep(0.05)
            shown = api.get(f"/applications/{application_id}", headers=auth).json
        return application_id, shown["policy_number"]

    # When four people go through their sessions at the same time (executions share the parsed workflow)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(session, range(4)))
    # Then each application has its own issued policy
    assert len({application for application, _ in results}) == 4
    assert len({number for _, number in results if number}) == 4


def test_payment_with_a_processor_token_instead_of_a_card(issuance):
    import os

    from insure.payments.cards import Card
    from insure.payments.processor import HttpCardProcessor

    # Given a card tokenized by the client directly at the processor (the platform never sees the number)
    token = HttpCardProcessor(os.environ["CARD_PROCESSOR_URL"]).tokenize(Card("5555555555554444", 12, 2030, "123"))
    api = issuance.api
    application_id, auth = accepted(api)
    # When the payment names the token
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    paid = api.post(f"/applications/{application_id}/payment", json={"payment_token": token.token}, headers=headers)
    # Then the policy is issued and the card shows as the processor described it
    assert paid.status_code == 200, paid.json
    assert (paid.json["payment"]["brand"], paid.json["payment"]["last4"]) == ("mastercard", "4444")
    unknown = api.post(
        f"/applications/{application_id}/payment",
        json={"payment_token": "tok_unknown"},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert unknown.status_code == 409  # issued: nothing is awaiting payment any more


def test_the_terms_read_as_prose_and_the_application_shows_the_acceptance_back(issuance):
    from insure.applications.terms import moment_in_words
    from insure.timestamps import PATTERN

    api = issuance.api
    # Given an offer, and the terms document it points to
    application_id, auth, shown = offered(api)
    offer = shown["offer"]
    terms = api.get(f"/applications/{application_id}/terms", headers=auth)
    text = " ".join(terms.data.decode().split())
    assert terms.headers["Content-Type"].startswith("text/plain")
    assert f"The annual premium is ${offer['premium']['amount']}." in text
    assert "A portable Dell XPS 13 computer bought in 2025 with its monitor and printer, insured for $1,500.00" in text
    assert f"This offer is open until {moment_in_words(offer['expires_at'])}." in text
    assert "=" not in text
    assert shown["acceptance"] is None
    # When the person accepts those terms
    accept = api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    # Then the application shows back which terms were accepted, and when
    assert accept.status_code == 200
    acceptance = api.get(f"/applications/{application_id}", headers=auth).json["acceptance"]
    assert acceptance == accept.json["acceptance"]
    assert acceptance["offer_id"] == offer["offer_id"]
    assert acceptance["terms_sha256"] == offer["terms_sha256"] == hashlib.sha256(terms.data).hexdigest()
    assert re.match(PATTERN, acceptance["accepted_at"])


def test_a_processor_token_is_bound_to_its_session_and_never_travels_in_the_workflow(issuance):
    import json
    import os

    import boto3

    from insure.payments.cards import Card
    from insure.payments.processor import HttpCardProcessor

    api = issuance.api
    token = HttpCardProcessor(os.environ["CARD_PROCESSOR_URL"]).tokenize(Card("5555555555554444", 12, 2030, "123"))
    mine, my_auth = accepted(api)
    theirs, their_auth = accepted(api)
    # Given one session paid with its processor token
    paid = api.post(
        f"/applications/{mine}/payment",
        json={"payment_token": token.token},
        headers={**my_auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert paid.status_code == 200, paid.json
    # When another session presents the same token
    stolen = api.post(
        f"/applications/{theirs}/payment",
        json={"payment_token": token.token},
        headers={**their_auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    # Then it is refused with 422 naming the field, and that application still awaits its own payment
    assert stolen.status_code == 422, stolen.json
    assert [e["field"] for e in stolen.json["errors"]] == ["payment_token"]
    shown = api.get(f"/applications/{theirs}", headers=their_auth).json
    assert shown["status"] == "accepted" and shown["payment"] is None
    # And the token is nowhere in the paying workflow's input, output or history
    sfn = boto3.client("stepfunctions")
    machine = issuance.deployment.state_machines["issuance"]
    for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        assert token.token not in json.dumps([described, history], default=str)


def charges_at_processor(**query: str) -> list[dict]:
    """The charges the card processor simulator recorded (filtered by `reference` or `token`)."""
    import urllib.parse
    import urllib.request

    from insure.settings import get_settings

    url = f"{get_settings().card_processor_url}/v1/charges?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())["charges"]


def test_a_token_created_for_another_application_is_refused_even_before_that_one_uses_it(issuance):
    import os

    from insure.payments.cards import Card
    from insure.payments.processor import HttpCardProcessor

    api = issuance.api
    mine, my_auth = accepted(api)
    theirs, their_auth = accepted(api)
    # Given a card tokenized by the web client for my application (client_reference = my application id)
    adapter = HttpCardProcessor(os.environ["CARD_PROCESSOR_URL"])
    token = adapter.tokenize(Card("5555555555554444", 12, 2030, "123"), client_reference=mine)
    # When another session presents it first
    stolen = api.post(
        f"/applications/{theirs}/payment",
        json={"payment_token": token.token},
        headers={**their_auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    # Then it is a 422 on the token, nothing is charged, and that application still awaits its own payment
    assert stolen.status_code == 422, stolen.json
    assert stolen.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in stolen.json["errors"]] == ["payment_token"]
    assert "another session" in stolen.json["errors"][0]["message"]
    assert charges_at_processor(token=token.token) == []
    shown = api.get(f"/applications/{theirs}", headers=their_auth).json
    assert (shown["status"], shown["payment"]) == ("accepted", None)
    # And the application it was created for still pays with it
    paid = api.post(
        f"/applications/{mine}/payment",
        json={"payment_token": token.token},
        headers={**my_auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert paid.status_code == 200, paid.json
    assert [c["reference"] for c in charges_at_processor(token=token.token)] == [mine]
    # And a card typed into the API is tokenized for the application it pays
    their_paid = pay(api, theirs, their_auth)
    assert their_paid.status_code == 200, their_paid.json
    (charge,) = charges_at_processor(reference=theirs)
    assert adapter.describe(charge["token"]).client_reference == theirs


def test_an_idempotency_key_on_opening_an_application_replays_the_first_session(issuance):
    api = issuance.api
    key = {"Idempotency-Key": uuid.uuid4().hex}
    # When the same application is opened twice under one key (a client retrying a lost response)
    first = api.post("/applications", json=APPLICATION, headers=key)
    again = api.post("/applications", json=APPLICATION, headers=key)
    # Then the repeat gets the first response: the same application and the same, working session
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    shown = api.get(f"/applications/{first.json['application_id']}", headers=bearer(again.json["session_token"]))
    assert shown.status_code == 200
    # And the same key with another body is 422, opening nothing
    other = copy.deepcopy(APPLICATION)
    other["referrer"] = "partner-other"
    refused = api.post("/applications", json=other, headers=key)
    assert refused.status_code == 422, refused.json
    assert "Idempotency-Key" in refused.json["detail"]
    import os

    import boto3

    dynamodb = boto3.client("dynamodb")
    items = dynamodb.scan(TableName=os.environ["TABLE_NAME"])["Items"]
    assert sum(1 for i in items if i.get("entity", {}).get("S") == "application") == 1
    # And the session token is not in the idempotency store
    stored = json.dumps(dynamodb.scan(TableName=os.environ["IDEMPOTENCY_TABLE_NAME"])["Items"])
    assert first.json["session_token"] not in stored
