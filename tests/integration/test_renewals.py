"""Renewals on the platform's clock: thirty days before the term ends the scheduled renewal run re-underwrites the
policy against the current rulebook and offers the next term (or says why not); accepted and paid, the next term
is a new version with its own installments; left alone, the policy expires at the end of its term."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time

from tests.integration.test_billing import Customer, advance_to, billing, buy, notifications


def run_renewals(platform) -> dict:
    return platform.functions.invoke("renewal_run", {"schedule": "renewal-run"})


def bought(platform, plan="annual"):
    """A policy bought, once the issuance has finished: its last task may still be sending the holder's notices
    when the application already reads issued, and they must not be counted as the renewal's."""
    api = platform.api
    number, session, _ = buy(api, plan)
    auth = Customer(api, session)
    policy = api.get(f"/policies/{number}", headers=auth()).json
    deadline = time.monotonic() + 10
    while not platform.functions.idle():
        assert time.monotonic() < deadline, "the issuance did not finish"
        time.sleep(0.01)
    return number, auth, policy


def renewal_day(policy) -> str:
    return (dt.date.fromisoformat(policy["current"]["expiry_date"]) - dt.timedelta(days=30)).isoformat()


def test_a_renewal_is_offered_thirty_days_before_expiry_accepted_paid_and_issued_as_the_next_term(issuance):
    api = issuance.api
    number, auth, policy = bought(issuance)
    # Given the run fires before the notice period, Then nothing is offered yet
    assert run_renewals(issuance)["offered"] == 0
    assert api.get(f"/policies/{number}/renewal", headers=auth()).status_code == 404
    # When the clock reaches thirty days before the end of the term and the run fires
    advance_to(renewal_day(policy))
    notifications(issuance)
    assert run_renewals(issuance)["offered"] == 1
    # Then the customer is told and sees the renewal: re-priced on the current rulebook, plans from the new term
    assert [n["template"] for n in notifications(issuance)] == ["renewal_offered"]
    shown = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert shown["status"] == "offered" and shown["term"] == 2
    offer = shown["offer"]
    assert offer["effective_date"] == policy["current"]["expiry_date"]
    assert offer["premium"] == policy["current"]["premium"]  # same items, same rulebook
    assert [p["plan"] for p in offer["payment_plans"]] == ["annual", "quarterly", "monthly"]
    assert offer["payment_plans"][2]["schedule"][0]["due_date"] == offer["effective_date"]
    terms = api.get(f"/policies/{number}/renewal/terms", headers=auth())
    assert hashlib.sha256(terms.data).hexdigest() == offer["terms_sha256"]
    # And a second run the same day offers nothing more
    assert run_renewals(issuance)["offered"] == 0
    # When the customer pays before accepting, Then 409; with a wrong hash, 422 on the field
    assert api.post(f"/policies/{number}/renewal/payment", json={}, headers=auth()).status_code == 409
    wrong = api.post(
        f"/policies/{number}/renewal/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": "0" * 64},
        headers=auth(),
    )
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "terms_sha256"
    # When they accept the terms shown and pay on the monthly plan
    accepted = api.post(
        f"/policies/{number}/renewal/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth(),
    )
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    paid = api.post(f"/policies/{number}/renewal/payment", json={"payment_plan": "monthly"}, headers=auth())
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "renewed" and paid.json["renewed_version"] == 2
    again = api.post(f"/policies/{number}/renewal/payment", json={"payment_plan": "monthly"}, headers=auth())
    assert again.status_code == 200 and again.json["renewed_version"] == 2
    # Then the next term is version 2 of the same policy, from the old expiry, on the monthly plan
    current = api.get(f"/policies/{number}", headers=auth()).json["current"]
    assert (current["version"], current["term"], current["change"]) == (2, 2, "renewed")
    assert current["effective_date"] == offer["effective_date"] and current["payment_plan"] == "monthly"
    # And its installments are billed: the first charged now (once), the next on the new term's second month
    view = billing(api, number, auth)
    term2 = [i for i in view["schedule"] if i["term"] == 2]
    assert len(term2) == 12 and term2[0]["status"] == "paid" and term2[0]["processor_order_id"]
    assert [p["term"] for p in view["payments"]] == [1, 2]
    # And at the old expiry the policy does not expire, it runs on into its new term
    advance_to(offer["effective_date"])
    assert run_renewals(issuance)["expired"] == 0
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"


def test_a_policy_left_unrenewed_expires_at_the_end_of_its_term(issuance):
    api = issuance.api
    number, auth, policy = bought(issuance, "quarterly")
    advance_to(renewal_day(policy))
    assert run_renewals(issuance)["offered"] == 1
    notifications(issuance)
    # When the term ends without the renewal accepted and paid
    advance_to(policy["current"]["expiry_date"])
    assert run_renewals(issuance)["expired"] == 1
    # Then the policy is expired as a new version, the customer told, the renewal can no longer be accepted
    shown = api.get(f"/policies/{number}", headers=auth()).json
    assert shown["status"] == "expired" and shown["current"]["change"] == "expired" and shown["version"] == 2
    assert [n["template"] for n in notifications(issuance)] == ["policy_expired"]
    renewal = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert renewal["status"] == "expired"
    offer = renewal["offer"]
    refused = api.post(
        f"/policies/{number}/renewal/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth(),
    )
    assert refused.status_code == 409
    assert run_renewals(issuance)["expired"] == 0  # once


def test_a_renewal_the_current_rulebook_refuses_says_why(issuance):
    from insure.products.rulebooks import default_store, rulebook_files
    from insure.underwriting import reset_cache

    api = issuance.api
    number, auth, policy = bought(issuance)
    # Given the product is no longer sold in the policy's state by the time of the renewal
    document = json.loads(rulebook_files()["computer"])
    document["version"] = "2099.1.1"
    document["approved_states"] = [s for s in document["approved_states"] if s != "NY"]
    default_store().publish(json.dumps(document))
    reset_cache()
    advance_to(renewal_day(policy))
    notifications(issuance)
    # When the renewal run fires
    assert run_renewals(issuance)["declined"] == 1
    # Then the renewal is declined with the rulebook's reasons, and the customer told why
    shown = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert shown["status"] == "declined" and shown["offer"] is None
    assert shown["rulebook_version"] == "computer@2099.1.1"
    assert shown["reasons"] and all(r["rule_id"] and r["sentence"] for r in shown["reasons"])
    told = notifications(issuance)
    assert [n["template"] for n in told] == ["renewal_declined"]
    assert shown["reasons"][0]["sentence"] in told[0]["data"]["reasons"]
    # And the policy stays in force until its term ends, then expires
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"
    advance_to(policy["current"]["expiry_date"])
    assert run_renewals(issuance)["expired"] == 1


def tokenize_for(reference: str, number: str = "5555555555554444") -> dict:
    from tests.integration.test_billing import processor_call

    card = {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123", "holder": "Ada Lovelace"}
    return processor_call("/v1/tokens", "POST", card | {"client_reference": reference})


def test_the_account_lists_the_pending_renewal_and_it_can_be_paid_with_another_card(issuance):
    from insure.billing.repository import BillingRepository
    from insure.settings import get_settings

    api = issuance.api
    number, auth, policy = bought(issuance)
    # Before the renewal is decided, the customer's list shows none
    listed = api.get("/me/policies", headers=auth()).json["policies"]
    assert [(p["policy_number"], p["renewal"]) for p in listed] == [(number, None)]
    advance_to(renewal_day(policy))
    assert run_renewals(issuance)["offered"] == 1
    # Then GET /me/policies shows it: status, premium, plans and the day it must be paid by
    offer = api.get(f"/policies/{number}/renewal", headers=auth()).json["offer"]
    shown = api.get("/me/policies", headers=auth()).json["policies"][0]["renewal"]
    assert shown["status"] == "offered" and shown["term"] == 2
    assert shown["premium"] == offer["premium"] and shown["deadline"] == policy["current"]["expiry_date"]
    assert shown["payment_plans"] == offer["payment_plans"]
    assert shown["url"].endswith(f"/policies/{number}/renewal")
    accepted = api.post(
        f"/policies/{number}/renewal/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth(),
    )
    assert accepted.status_code == 200
    assert api.get("/me/policies", headers=auth()).json["policies"][0]["renewal"]["status"] == "accepted"
    # When the customer pays with a token made for another policy, Then 422 on the token and nothing charged
    foreign = tokenize_for("POL-SOMEONE-ELSE")
    refused = api.post(
        f"/policies/{number}/renewal/payment",
        json={"payment_plan": "quarterly", "payment_token": foreign["token"]},
        headers=auth(),
    )
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "payment_token"
    # When they pay with another card tokenized for this policy
    token = tokenize_for(number)
    before = BillingRepository(get_settings().table_name).account(number)
    paid = api.post(
        f"/policies/{number}/renewal/payment",
        json={"payment_plan": "quarterly", "payment_token": token["token"]},
        headers=auth(),
    )
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "renewed"
    # Then that card is charged and kept for the next term's installments; the list shows no pending renewal
    after = BillingRepository(get_settings().table_name).account(number)
    assert (after.last4, after.brand) == ("4444", "mastercard")
    assert after.payment_method_id != before.payment_method_id
    assert billing(api, number, auth)["card"] == {"brand": "mastercard", "last4": "4444"}  # the card kept now
    from tests.integration.test_billing import processor_call

    charges = processor_call(f"/v1/charges?reference={number}:2:1")["charges"]
    assert len(charges) == 1 and charges[0]["payment_method"] == after.payment_method_id
    assert api.get("/me/policies", headers=auth()).json["policies"][0]["renewal"] is None


def test_a_declined_renewal_is_listed_with_its_reasons(issuance):
    from insure.products.rulebooks import default_store, rulebook_files
    from insure.underwriting import reset_cache

    api = issuance.api
    number, auth, policy = bought(issuance)
    document = json.loads(rulebook_files()["computer"])
    document["version"] = "2099.1.2"
    document["approved_states"] = [s for s in document["approved_states"] if s != "NY"]
    default_store().publish(json.dumps(document))
    reset_cache()
    advance_to(renewal_day(policy))
    assert run_renewals(issuance)["declined"] == 1
    shown = api.get("/me/policies", headers=auth()).json["policies"][0]["renewal"]
    reasons = api.get(f"/policies/{number}/renewal", headers=auth()).json["reasons"]
    assert shown["status"] == "declined" and shown["premium"] is None and shown["payment_plans"] == []
    assert shown["reasons"] == [r["sentence"] for r in reasons] and shown["reasons"]
