"""Amendments, cancellation and every version kept, over HTTP against the running local cloud, as a customer's
client would do them after the session that bought the policy."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from scripts.samples import APPLICATION
from tests.e2e.test_issuance import Session

TODAY = dt.datetime.now(dt.UTC).date()
DESKTOP = {"kind": "desktop", "brand": "HP", "model": "Z2", "purchase_year": 2025, "value": "2000.00"}


def issued(cloud, **changes):
    """A session whose policy is issued, and the policy as its owner reads it."""
    session = Session(cloud, **changes).accepted()
    number = session.issued(session.pay())["policy_number"]
    policy = session.call("GET", f"/policies/{number}")
    assert policy.status_code == 200
    return session, number, policy.json()


def amend(session, number, items, effective=TODAY):
    body = {"changes": {"items": items}, "effective_date": effective.isoformat()}
    return session.call("POST", f"/policies/{number}/amendments", json=body)


def accept(session, number, shown):
    offer = shown["offer"]
    terms = session.cloud.http.get(offer["terms_url"], headers=session.auth)
    assert hashlib.sha256(terms.content).hexdigest() == offer["terms_sha256"]
    body = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    return session.call("POST", f"/policies/{number}/amendments/{shown['amendment_id']}/accept", json=body)


def refunds(cloud):
    """The refunds the card processor simulator recorded (its address is in the cloud's log)."""
    import re

    url = re.search(r"Cards\s+(http://\S+)", cloud.log.read_text()).group(1)
    return cloud.http.get(f"{url}/v1/refunds").json()["refunds"]


def test_amend_by_adding_an_item_pays_the_difference_and_issues_version_2_with_its_document(cloud):
    session, number, policy = issued(cloud)
    kept = {"item_id": policy["items"][0]["item_id"]}
    shown = amend(session, number, [kept, DESKTOP])
    assert shown.status_code == 201, shown.text
    shown = shown.json()
    assert shown["status"] == "offered"
    assert shown["offer"]["settlement"] == "charge"
    assert Decimal(shown["offer"]["premium_difference"]["amount"]) > 0
    assert accept(session, number, shown).json()["status"] == "accepted"
    paid = session.call(
        "POST",
        f"/policies/{number}/amendments/{shown['amendment_id']}/payment",
        json={"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["version"]) == ("issued", 2)
    document = session.call("GET", f"/policies/{number}/versions/2/document")
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")
    assert len(session.call("GET", f"/policies/{number}").json()["items"]) == 2
    billing = session.call("GET", f"/policies/{number}/billing").json()
    assert billing["payment_plan"] == "annual"
    assert [(i["installment"], i["status"]) for i in billing["schedule"]] == [(1, "paid")]
    assert [p["reason"] for p in billing["payments"]] == ["premium", "amendment"]
    assert billing["payments"][1]["amount"] == shown["offer"]["premium_difference"]
    assert (billing["refunds"], billing["balance"]["amount"]) == ([], "0.00")


def test_amend_by_removing_an_item_refunds_the_difference(cloud):
    session, number, policy = issued(cloud, items=[APPLICATION["items"][0], DESKTOP])
    before = len(refunds(cloud))
    shown = amend(session, number, [{"item_id": policy["items"][0]["item_id"]}]).json()
    assert shown["offer"]["settlement"] == "refund"
    done = accept(session, number, shown).json()
    assert done["status"] == "issued", done
    recorded = refunds(cloud)[before:]
    assert [r["amount"] for r in recorded] == [shown["offer"]["premium_difference"]["amount"].lstrip("-")]


def test_a_back_dated_amendment_is_refused(cloud):
    session, number, policy = issued(cloud)
    response = amend(session, number, [{"item_id": policy["items"][0]["item_id"]}], TODAY - dt.timedelta(days=1))
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "effective_date"


def test_a_declined_amendment_says_why_and_leaves_the_policy_as_it_was(cloud):
    session, number, policy = issued(cloud)
    old = {**DESKTOP, "purchase_year": TODAY.year - 10}
    declined = amend(session, number, [{"item_id": policy["items"][0]["item_id"]}, old]).json()
    assert declined["status"] == "declined"
    assert any(r["rule_id"] == "CMP-B-OLD" and r["sentence"] for r in declined["decision"]["reasons"])
    assert session.call("GET", f"/policies/{number}").json()["version"] == 1


def test_cancellation_with_refund_and_every_version_listed_with_its_document(cloud):
    session, number, _policy = issued(cloud)
    before = len(refunds(cloud))
    preview = session.call("GET", f"/policies/{number}/cancellation/preview", params={"effective_date": TODAY})
    assert preview.status_code == 200
    cancelled = session.call(
        "POST", f"/policies/{number}/cancellation", json={"effective_date": TODAY.isoformat(), "reason": "other"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["refund"] == preview.json()["refund"]
    assert [r["amount"] for r in refunds(cloud)[before:]] == [preview.json()["refund"]["amount"]]
    billing = session.call("GET", f"/policies/{number}/billing").json()
    assert [(r["reason"], r["amount"]) for r in billing["refunds"]] == [("cancellation", preview.json()["refund"])]
    assert billing["total_refunded"] == preview.json()["refund"]
    versions = session.call("GET", f"/policies/{number}/versions").json()["versions"]
    assert [(v["version"], v["change"]) for v in versions] == [(1, "issued"), (2, "cancelled")]
    for version in versions:
        document = cloud.http.get(version["document_url"], headers=session.auth)
        assert document.status_code == 200
        assert document.content.startswith(b"%PDF")
