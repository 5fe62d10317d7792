"""Single-session issuance over HTTP against the running local cloud, as a web client would do it."""

from __future__ import annotations

import copy
import hashlib
import time
import uuid

from scripts.samples import APPLICATION, DECLINED_CARD, GOOD_CARD


class Session:
    """One person's session against the cloud."""

    def __init__(self, cloud, **changes) -> None:
        self.cloud = cloud
        body = copy.deepcopy(APPLICATION)
        body.update(changes)
        response = cloud.http.post(f"{cloud.url}/applications", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "draft"
        self.id = response.json()["application_id"]
        self.auth = {"Authorization": f"Bearer {response.json()['session_token']}"}

    def call(self, method, path, **kwargs):
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.cloud.http.request(method, f"{self.cloud.url}{path}", headers=headers, **kwargs)

    def submit(self):
        """The application once decided (a 202 on a busy machine is followed by reads until it is)."""
        response = self.call("POST", f"/applications/{self.id}/submit")
        assert response.status_code in (200, 202), response.text
        return self.settle(response.json(), {"underwriting"})

    def settle(self, shown, pending):
        deadline = time.monotonic() + 20
        while shown["status"] in pending and time.monotonic() < deadline:
            time.sleep(0.05)
            shown = self.call("GET", f"/applications/{self.id}").json()
        return shown

    def accept(self, offer):
        body = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
        return self.call("POST", f"/applications/{self.id}/accept", json=body)

    def pay(self, card=GOOD_CARD, key=None):
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return self.call("POST", f"/applications/{self.id}/payment", json={"card": card}, headers=headers)

    def accepted(self):
        submitted = self.submit()
        assert submitted["status"] == "offered"
        assert self.accept(submitted["offer"]).status_code == 200
        return self

    def issued(self, response):
        """The application after a payment answered 200 (issued) or 202 (still issuing)."""
        assert response.status_code in (200, 202), response.text
        return self.settle(response.json(), {"accepted", "paid"})


def test_happy_path_to_an_issued_policy_and_its_pdf(cloud):
    # Given a person who applies and is offered a policy
    session = Session(cloud)
    offer = session.submit()["offer"]
    # And who reads the terms behind the offer's hash
    terms = cloud.http.get(offer["terms_url"], headers=session.auth)
    assert hashlib.sha256(terms.content).hexdigest() == offer["terms_sha256"]
    # When they accept and pay
    assert session.accept(offer).json()["status"] == "accepted"
    paid = session.issued(session.pay())
    # Then the policy is issued with its number
    assert paid["status"] == "issued"
    number = paid["policy_number"]
    policy = session.call("GET", f"/policies/{number}")
    assert policy.status_code == 200
    assert policy.json()["current"]["premium"] == offer["premium"]
    assert policy.json()["current"]["referrer"] == "partner-dell"
    # And the document downloads as a PDF
    document = session.call("GET", f"/policies/{number}/document")
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")


def test_intake_refuses_a_value_over_the_limit_with_a_field_error(cloud):
    items = [{**APPLICATION["items"][0], "value": "999999.00"}]
    response = cloud.http.post(f"{cloud.url}/applications", json={**APPLICATION, "items": items})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "items[0].value" in [e["field"] for e in response.json()["errors"]]


def test_decline_with_reasons_then_modify_and_resubmit(cloud):
    session = Session(cloud, items=[{**APPLICATION["items"][0], "purchase_year": 2010}])
    declined = session.submit()
    assert declined["status"] == "declined"
    reasons = declined["decision"]["reasons"]
    assert any(r["rule_id"] == "CMP-B-OLD" and r["sentence"] for r in reasons)
    patched = session.call("PATCH", f"/applications/{session.id}", json={"items": APPLICATION["items"]})
    assert patched.status_code == 200
    assert patched.json()["status"] == "draft"
    resubmitted = session.submit()
    assert resubmitted["status"] == "offered"
    assert resubmitted["decision"]["approved"] is True


def test_declined_card_then_success(cloud):
    session = Session(cloud).accepted()
    declined = session.pay(card=DECLINED_CARD)
    assert declined.status_code == 402
    assert declined.headers["Content-Type"] == "application/problem+json"
    assert declined.json()["decline_code"] == "card_declined"
    assert session.issued(session.pay())["status"] == "issued"


def test_duplicate_payment_is_applied_once(cloud):
    session = Session(cloud).accepted()
    first = session.pay(key="same-key")
    again = session.pay(key="same-key")
    assert first.status_code == again.status_code
    assert again.json() == first.json()
    assert session.issued(first)["status"] == "issued"
    changed = session.pay(card={**GOOD_CARD, "holder": "Someone Else"}, key="same-key")
    assert changed.status_code == 422


def test_another_sessions_token_gets_404(cloud):
    owner = Session(cloud).accepted()
    number = owner.issued(owner.pay())["policy_number"]
    other = Session(cloud)
    assert other.call("GET", f"/applications/{owner.id}").status_code == 404
    assert other.call("GET", f"/policies/{number}").status_code == 404
    assert cloud.http.get(f"{cloud.url}/applications/{owner.id}").status_code == 401
