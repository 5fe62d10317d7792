"""Who gets what about a policy, once: the holder is told when their policy is issued, amended and cancelled (an
e-mail and a text), through the real queue, sender and simulated gateway; a retried workflow task or a duplicate
queue delivery tells nobody twice; a holder who changed their contact with `PATCH /me` is told at the new one,
and their policy's tags name them as they are now."""

from __future__ import annotations

import time

from tests.integration.test_accounts import create_account, login
from tests.integration.test_amendments import DESKTOP, TODAY, accept, amend, issued, pay_difference
from tests.integration.test_issuance import bearer
from tests.integration.test_notifications import wired  # noqa: F401 - a fixture

EMAIL, PHONE = "ada@example.com", "+12125550100"


def delivered(gateway, to: str, template_words: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
    """The messages to `to` whose subject or body holds `template_words`, once `count` of them arrived."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in gateway.messages(to) if template_words in ((m["subject"] or "") + m["body"])]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def settle(wired, seconds: float = 1.5) -> None:  # noqa: F811 - the fixture's value
    """Lets the sender finish anything still queued (a duplicate is then dropped, never delivered late)."""
    from insure.settings import get_settings

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        attributes = wired.sqs.get_queue_attributes(
            QueueUrl=get_settings().notifications_queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if (
            attributes["ApproximateNumberOfMessages"] == "0"
            and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        ):
            break
        time.sleep(0.05)
    time.sleep(seconds)


def test_the_holder_is_told_once_by_email_and_text_when_the_policy_is_issued(issuance, wired):  # noqa: F811
    api = issuance.api
    # Given a policy bought in one session
    number, auth, _ = issued(api)
    # Then the holder gets one e-mail with the document's address and one text
    mail = delivered(wired.gateway, EMAIL, f"policy {number} is issued")
    text = delivered(wired.gateway, PHONE, f"policy {number} is issued")
    assert len(mail) == 1 and len(text) == 1
    assert f"/policies/{number}/document" in mail[0]["body"]
    # When the issuance task runs again (Step Functions retries it) and the queue delivers its message twice
    from insure.roots.workflows import WorkflowsRoot

    application_id = api.get(f"/policies/{number}", headers=auth).json["current"]["application_id"]
    WorkflowsRoot.from_environment().issuance.issue({"application_id": application_id, "submission": 1})
    settle(wired)
    # Then nobody is told twice
    assert len(delivered(wired.gateway, EMAIL, f"policy {number} is issued", count=2, timeout=0)) == 1
    assert len(delivered(wired.gateway, PHONE, f"policy {number} is issued", count=2, timeout=0)) == 1


def test_the_holder_is_told_of_each_amendment_and_of_the_cancellation(issuance, wired):  # noqa: F811
    api = issuance.api
    number, auth, policy = issued(api)
    kept = {"item_id": policy["items"][0]["item_id"]}
    # When the holder adds an item and pays the difference
    shown = amend(api, number, auth, [kept, DESKTOP]).json
    accept(api, number, auth, shown)
    assert pay_difference(api, number, auth, shown["amendment_id"]).status_code in (200, 202)
    # Then they are told of version 2, with its own document
    mail = delivered(wired.gateway, EMAIL, f"policy {number} was amended")
    assert len(mail) == 1 and "version 2" in mail[0]["body"]
    assert f"/policies/{number}/versions/2/document" in mail[0]["body"]
    assert len(delivered(wired.gateway, PHONE, f"policy {number} was amended")) == 1
    # When they cancel from today
    cancelled = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": TODAY.isoformat(), "reason": "no_longer_needed"},
        headers=auth,
    )
    assert cancelled.status_code == 200, cancelled.json
    # Then they are told, with the refund
    refund = cancelled.json["refund"]
    mail = delivered(wired.gateway, EMAIL, f"policy {number} is cancelled")
    assert len(mail) == 1 and f"{refund['currency']} {refund['amount']}" in mail[0]["body"]
    assert len(delivered(wired.gateway, PHONE, f"policy {number} is cancelled")) == 1
    settle(wired)
    assert len(delivered(wired.gateway, EMAIL, f"policy {number} was amended", count=2, timeout=0)) == 1


def test_a_holder_who_changed_their_contact_is_told_there_and_their_tags_follow(issuance, wired):  # noqa: F811
    from insure.risk.policy_tags import tag_id_for
    from insure.roots.risk import RiskRoot

    def tags():
        return RiskRoot.from_environment().tag_store

    api = issuance.api
    number, auth, policy = issued(api)
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    tag_id = tag_id_for(number, policy["items"][0]["item_id"])
    assert tags().get(tag_id).customer.phone == PHONE
    # When the customer changes their phone and e-mail
    changed = api.patch("/me", json={"phone": "+12125550177", "email": "ada.l@example.com"}, headers=access)
    assert changed.status_code == 200, changed.json
    # Then the policy's tag names them as they are now (a finder's report reaches the new phone)
    customer = tags().get(tag_id).customer
    assert (customer.phone, customer.email) == ("+12125550177", "ada.l@example.com")
    assert customer.date_of_birth == "1985-12-10"  # what recognises them when they report stays
    # And the next message about the policy goes to the new contact
    kept = {"item_id": policy["items"][0]["item_id"]}
    shown = amend(api, number, access, [kept, DESKTOP]).json
    accept(api, number, access, shown)
    assert pay_difference(api, number, access, shown["amendment_id"]).status_code in (200, 202)
    assert len(delivered(wired.gateway, "+12125550177", f"policy {number} was amended")) == 1
    assert len(delivered(wired.gateway, "ada.l@example.com", f"policy {number} was amended")) == 1
    assert delivered(wired.gateway, PHONE, f"policy {number} was amended", timeout=0) == []


def test_a_holder_who_opted_out_of_texts_gets_the_email_only(issuance, wired):  # noqa: F811
    api = issuance.api
    number, auth, _ = issued(api)
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    # When the customer opts out of text messages
    prefs = {"notifications": {"email": True, "sms": False, "offers": False}}
    assert api.patch("/me", json=prefs, headers=access).status_code == 200
    # Then a cancellation is e-mailed, not texted (the text is recorded as suppressed)
    cancelled = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": TODAY.isoformat(), "reason": "no_longer_needed"},
        headers=access,
    )
    assert cancelled.status_code == 200, cancelled.json
    assert len(delivered(wired.gateway, EMAIL, f"policy {number} is cancelled")) == 1
    settle(wired)
    assert delivered(wired.gateway, PHONE, f"policy {number} is cancelled", timeout=0) == []
    texts = [r for r in wired.records.for_recipient("sms", PHONE) if r.template == "policy_cancelled"]
    assert [r.status for r in texts] == ["suppressed"]
