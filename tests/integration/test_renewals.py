"""Renewals on the platform's clock: thirty days before the term ends the scheduled renewal run re-underwrites the
policy against the current rulebook and offers the next term (or says why not); accepted and paid, the next term
is a new version with its own installments; left alone, the policy expires at the end of its term."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
import uuid

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


def renewal_day(policy, notice_days: int = 30) -> str:
    return (dt.date.fromisoformat(policy["current"]["expiry_date"]) - dt.timedelta(days=notice_days)).isoformat()


def pay_renewal(api, number, auth, body, key=None):
    headers = {**auth(), "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/policies/{number}/renewal/payment", json=body, headers=headers)


def offered_and_accepted(platform, plan="annual"):
    """A policy whose renewal is offered (the clock at its renewal day) and accepted: (number, auth, offer)."""
    api = platform.api
    number, auth, policy = bought(platform, plan)
    advance_to(renewal_day(policy))
    assert run_renewals(platform)["offered"] == 1
    offer = api.get(f"/policies/{number}/renewal", headers=auth()).json["offer"]
    accepted = api.post(
        f"/policies/{number}/renewal/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth(),
    )
    assert accepted.status_code == 200, accepted.json
    return number, auth, offer


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
    early = pay_renewal(api, number, auth, {})
    assert (
        early.status_code == 409
        and early.json["detail"] == "The renewal is offered: accept its terms before paying it."
    )
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
    paid = pay_renewal(api, number, auth, {"payment_plan": "monthly"})
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "renewed" and paid.json["renewed_version"] == 2
    again = pay_renewal(api, number, auth, {"payment_plan": "monthly"})
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
    from insure.policies.wording import long_date

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
    told = notifications(issuance)
    assert [n["template"] for n in told] == ["policy_expired"]
    assert told[0]["data"]["expiry_date"] == long_date(policy["current"]["expiry_date"])  # in words
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
    refused = pay_renewal(api, number, auth, {"payment_plan": "quarterly", "payment_token": foreign["token"]})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "payment_token"
    # When they pay with another card tokenized for this policy
    token = tokenize_for(number)
    before = BillingRepository(get_settings().table_name).account(number)
    paid = pay_renewal(api, number, auth, {"payment_plan": "quarterly", "payment_token": token["token"]})
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


def charged_for_term_two(number: str) -> list[str]:
    """The statuses of the processor's charges of the second term's first installment (the renewal's)."""
    from tests.integration.test_billing import processor_call

    return [c["status"] for c in processor_call(f"/v1/charges?reference={number}:2:1")["charges"]]


def test_a_cancelled_policy_s_renewal_is_withdrawn_and_can_be_neither_accepted_nor_paid(issuance):
    from insure import timestamps

    api = issuance.api
    number, auth, offer = offered_and_accepted(issuance)
    # When the customer cancels the policy after accepting its renewal
    cancelled = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": timestamps.today().isoformat(), "reason": "other"},
        headers=auth(),
    )
    assert cancelled.status_code == 200, cancelled.json
    # Then the renewal is withdrawn, says why, and is no longer listed as awaiting the customer
    shown = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert (shown["status"], shown["withdrawn_because"]) == ("withdrawn", "the policy is cancelled")
    assert api.get("/me/policies", headers=auth()).json["policies"][0]["renewal"] is None
    # And paying or accepting it again is a conflict: nothing is charged, the policy stays cancelled
    refused = pay_renewal(api, number, auth, {"payment_plan": "annual"})
    assert refused.status_code == 409 and refused.headers["Content-Type"] == "application/problem+json"
    accept = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    again = api.post(f"/policies/{number}/renewal/accept", json=accept, headers=auth())
    assert again.status_code == 409 and "withdrawn" in again.json["detail"]
    assert charged_for_term_two(number) == []
    policy = api.get(f"/policies/{number}", headers=auth()).json
    assert (policy["status"], policy["version"], policy["current"]["change"]) == ("cancelled", 2, "cancelled")
    # And the renewal run leaves it alone at the end of the term
    advance_to(offer["effective_date"])
    assert run_renewals(issuance)["expired"] == 0


def test_a_lapsed_policy_s_renewal_is_withdrawn_and_cannot_be_paid(issuance):
    from tests.integration.test_billing import make_card_decline, run_billing

    api = issuance.api
    number, auth, _ = offered_and_accepted(issuance, "monthly")
    # Given the kept card declines every installment still owed, long past their grace period
    make_card_decline(number)
    assert run_billing(issuance)["declined"] > 0
    # When the next run lapses the policy
    assert run_billing(issuance)["lapsed"] == 1
    # Then its accepted renewal is withdrawn, and paying it (even with another card) is a conflict, charging nothing
    shown = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert (shown["status"], shown["withdrawn_because"]) == ("withdrawn", "the policy lapsed")
    token = tokenize_for(number)["token"]
    refused = pay_renewal(api, number, auth, {"payment_plan": "annual", "payment_token": token})
    assert refused.status_code == 409, refused.json
    assert charged_for_term_two(number) == []
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "lapsed"


def test_a_renewal_declined_on_the_kept_card_is_402_once_per_key_and_paid_once_the_card_works(issuance):
    from tests.integration.test_billing import make_card_decline, processor_call

    api = issuance.api
    number, auth, _ = offered_and_accepted(issuance)
    helper = make_card_decline(number)
    # When the renewal is paid with the kept card, which now declines
    refused = pay_renewal(api, number, auth, {"payment_plan": "annual"}, key="renewal-try-1")
    # Then it is 402 with the problem every declined payment answers
    assert refused.status_code == 402 and refused.headers["Content-Type"] == "application/problem+json"
    assert (refused.json["title"], refused.json["status"]) == ("Payment declined", 402)
    assert refused.json["decline_code"] == "insufficient_funds" and refused.json["detail"]
    # And a repeat with the same key gets the same answer without another charge; another body with it is 422
    repeat = pay_renewal(api, number, auth, {"payment_plan": "annual"}, key="renewal-try-1")
    assert (repeat.status_code, repeat.json) == (402, refused.json)
    assert pay_renewal(api, number, auth, {"payment_plan": "monthly"}, key="renewal-try-1").status_code == 422
    assert charged_for_term_two(number) == ["declined"]
    assert api.get(f"/policies/{number}/renewal", headers=auth()).json["status"] == "accepted"
    # When the card works again and the customer tries again
    processor_call(helper, "DELETE")
    paid = pay_renewal(api, number, auth, {"payment_plan": "annual"}, key="renewal-try-2")
    # Then the renewal is charged (a new attempt, not the declined one replayed) and issued once
    assert paid.status_code == 200, paid.json
    assert (paid.json["status"], paid.json["renewed_version"]) == ("renewed", 2)
    assert charged_for_term_two(number) == ["declined", "succeeded"]
    # And without an Idempotency-Key a payment is 400, as every payment
    headers = auth()
    bare = api.post(f"/policies/{number}/renewal/payment", json={"payment_plan": "annual"}, headers=headers)
    assert bare.status_code == 400


def test_a_payment_without_an_idempotency_key_is_400_before_its_subject_is_looked_up(issuance):
    # Given a policy with no renewal offered yet, and one whose overdue balance is nothing
    number, auth, _ = bought(issuance)
    # When its holder pays the renewal, or the overdue installments, without an Idempotency-Key
    for path, body in (("renewal/payment", {"payment_plan": "annual"}), ("billing/payment", {"payment_token": "x"})):
        bare = issuance.api.post(f"/policies/{number}/{path}", json=body, headers=auth())
        # Then the request is malformed (400), whatever the state of what it would pay (not 404 or 409)
        assert bare.status_code == 400, (path, bare.json)
        assert "Idempotency-Key" in bare.json["detail"]


def test_two_renewal_payments_at_once_charge_once_and_issue_one_term(issuance):
    """At the service (the local API takes its calls in turn): the first payment's charge is held until the
    second payment has answered, so the two overlap for certain."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from insure.billing.models import RenewalPayment
    from insure.callers import Admin
    from insure.errors import Conflict
    from insure.idempotency import IdempotencyStore
    from insure.roots.billing import card_processor, renewal_service
    from insure.settings import get_settings

    api = issuance.api
    number, auth, _ = offered_and_accepted(issuance)
    settings = get_settings()
    second_done, charges = threading.Event(), []

    class HeldFirstCharge:
        """The processor, with the first charge held until the other payment has answered."""

        def __init__(self, processor):
            self.processor = processor

        def __getattr__(self, name):
            return getattr(self.processor, name)

        def charge_saved(self, *args, **kwargs):
            charges.append(kwargs["idempotency_key"])
            if len(charges) == 1:
                second_done.wait(timeout=10)
            return self.processor.charge_saved(*args, **kwargs)

    service = renewal_service(
        settings,
        HeldFirstCharge(card_processor(settings)),
        idempotency=IdempotencyStore(settings.idempotency_table_name),
        fingerprint_key=lambda: b"test key",
    )

    def pay(plan: str):
        try:
            return service.pay(number, RenewalPayment(payment_plan=plan), uuid.uuid4().hex, Admin()).status_code
        except Conflict:
            return 409
        finally:
            if charges:  # the first payment is the one being charged: this is the other one
                second_done.set()

    # When two payments of the renewal (two tabs, two plans) are under way at the same moment
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(pay, "annual")
        deadline = time.monotonic() + 10
        while not charges:  # until the first is charging
            assert time.monotonic() < deadline, "the first payment never reached the processor"
            time.sleep(0.01)
        second = pool.submit(pay, "monthly")
        codes = [first.result(), second.result()]
    # Then the first renews the policy and the second is a conflict (the policy is being changed): one charge
    assert codes == [200, 409]
    assert len(charges) == 1 and charged_for_term_two(number) == ["succeeded"]
    versions = api.get(f"/policies/{number}/versions", headers=auth()).json["versions"]
    assert [v["change"] for v in versions] == ["issued", "renewed"]
    assert api.get(f"/policies/{number}/renewal", headers=auth()).json["payment_plan"] == "annual"


def test_a_renewal_is_not_paid_while_an_amendment_of_the_policy_is_under_way(issuance):
    from insure import timestamps
    from tests.integration.test_amendments import DESKTOP, amend

    api = issuance.api
    number, auth, _ = offered_and_accepted(issuance)
    items = [{"item_id": i["item_id"]} for i in api.get(f"/policies/{number}", headers=auth()).json["items"]]
    # Given an amendment offered and not yet settled (it holds the policy)
    shown = amend(api, number, auth(), [*items, DESKTOP], effective=timestamps.today())
    assert shown.json["status"] == "offered", shown.json
    # When the customer pays the renewal meanwhile, Then it is a conflict and nothing is charged
    refused = pay_renewal(api, number, auth, {"payment_plan": "annual"})
    assert refused.status_code == 409 and "in progress" in refused.json["detail"]
    assert charged_for_term_two(number) == []
    assert api.get(f"/policies/{number}", headers=auth()).json["version"] == 1


def test_an_amendment_after_the_renewal_offer_is_offered_again_on_the_amended_policy(issuance):
    from insure import timestamps
    from insure.policies.wording import money
    from tests.integration.test_amendments import DESKTOP, accept, amend, pay_difference

    api = issuance.api
    # Given a renewal offered and accepted, not yet paid
    number, auth, old = offered_and_accepted(issuance)
    notifications(issuance)
    items = [{"item_id": i["item_id"]} for i in api.get(f"/policies/{number}", headers=auth()).json["items"]]
    # When the customer then adds a desktop, accepts the amended offer and pays the difference
    shown = amend(api, number, auth(), [*items, DESKTOP], effective=timestamps.today()).json
    assert accept(api, number, auth(), shown).status_code == 200
    paid = pay_difference(api, number, auth(), shown["amendment_id"])
    assert (paid.status_code, paid.json["status"]) == (200, "issued"), paid.json
    amended = api.get(f"/policies/{number}", headers=auth()).json["current"]
    # Then the renewal is offered again, on the amended policy: its premium, new terms naming it, a new hash
    renewal = api.get(f"/policies/{number}/renewal", headers=auth()).json
    assert renewal["status"] == "offered" and renewal["term"] == 2
    offer = renewal["offer"]
    assert offer["offer_id"] != old["offer_id"] and offer["terms_sha256"] != old["terms_sha256"]
    assert offer["premium"] == amended["premium"] != old["premium"]
    assert offer["previous_premium"] == amended["premium"]
    terms = api.get(f"/policies/{number}/renewal/terms", headers=auth())
    assert hashlib.sha256(terms.data).hexdigest() == offer["terms_sha256"]
    # And the customer is told of the new offer, once
    told = [n for n in notifications(issuance) if n["template"].startswith("renewal")]
    assert [(n["template"], n["data"]["premium"]) for n in told] == [
        ("renewal_offered", money(offer["premium"]["amount"]))
    ]
    # And the old acceptance does not pay the new term: the old offer cannot be accepted, the new one can
    assert pay_renewal(api, number, auth, {"payment_plan": "annual"}).status_code == 409
    stale = {"offer_id": old["offer_id"], "terms_sha256": old["terms_sha256"]}
    assert api.post(f"/policies/{number}/renewal/accept", json=stale, headers=auth()).status_code == 422
    fresh = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    assert api.post(f"/policies/{number}/renewal/accept", json=fresh, headers=auth()).status_code == 200
    renewed = pay_renewal(api, number, auth, {"payment_plan": "annual"})
    assert renewed.status_code == 200, renewed.json
    # And the next term keeps the amended items at the premium offered for them
    current = api.get(f"/policies/{number}", headers=auth()).json["current"]
    assert (current["version"], current["term"], current["change"]) == (3, 2, "renewed")
    assert current["premium"] == offer["premium"] and [i["model"] for i in current["items"]][-1] == DESKTOP["model"]
    term_two = [p["amount"] for p in billing(api, number, auth)["payments"] if p["term"] == 2]
    assert term_two == [offer["payment_plans"][0]["schedule"][0]["amount"]]


def test_a_renewal_is_re_priced_on_a_rulebook_published_since_the_policy_was_bought(issuance):
    from decimal import Decimal

    from insure.policies.wording import long_date
    from insure.products.rulebooks import default_store, rulebook_files
    from insure.underwriting import reset_cache
    from scripts.samples import APPLICATION

    api = issuance.api
    number, auth, policy = bought(issuance)
    # Given a new computer rulebook with twice the base rate, published after the policy was bought
    document = json.loads(rulebook_files()["computer"])
    document["version"] = "2099.1.3"
    document["base_rate"] = str(Decimal(document["base_rate"]) * 2)
    default_store().publish(json.dumps(document))
    reset_cache()
    quote = api.post("/quotes", json={k: APPLICATION[k] for k in ("product", "state", "items")})
    assert quote.status_code == 200, quote.json
    # When the renewal run fires
    advance_to(renewal_day(policy))
    assert run_renewals(issuance)["offered"] == 1
    # Then the renewal is priced on the new rulebook: what it quotes today for the same items, not last year's
    renewal = api.get(f"/policies/{number}/renewal", headers=auth()).json
    offer = renewal["offer"]
    assert renewal["rulebook_version"] == "computer@2099.1.3"
    assert offer["premium"] == quote.json["premium"] != policy["current"]["premium"]
    assert offer["previous_premium"] == policy["current"]["premium"]
    assert Decimal(offer["payment_plans"][0]["total"]["amount"]) == Decimal(quote.json["premium"]["amount"])
    # And its terms say so in words: the rulebook by name and version, the dates as a person writes them
    terms = api.get(f"/policies/{number}/renewal/terms", headers=auth()).data.decode()
    assert "the computer equipment insurance rulebook, version 2099.1.3" in terms and "@" not in terms
    assert f"from {long_date(offer['effective_date'])} to {long_date(offer['expiry_date'])}" in terms
    assert not re.search(r"\d{4}-\d{2}-\d{2}", terms)


def test_the_notice_period_and_the_grace_period_are_the_settings(issuance, monkeypatch):
    from insure.policies.wording import long_date
    from insure.settings import get_settings

    # Given a platform that offers renewals 45 days before the term ends and gives 14 days' grace
    monkeypatch.setenv("RENEWAL_NOTICE_DAYS", "45")
    monkeypatch.setenv("BILLING_GRACE_DAYS", "14")
    get_settings.cache_clear()
    api = issuance.api
    number, auth, policy = bought(issuance)
    notifications(issuance)
    # When the run fires 46 days before the end, Then nothing is offered yet
    advance_to(renewal_day(policy, 46))
    assert run_renewals(issuance)["offered"] == 0
    missing = api.get(f"/policies/{number}/renewal", headers=auth())
    assert missing.status_code == 404 and "45 days" in missing.json["detail"]
    # When it fires 45 days before, Then the renewal is offered, its terms with the grace period of the settings
    advance_to(renewal_day(policy, 45))
    assert run_renewals(issuance)["offered"] == 1
    offer = api.get(f"/policies/{number}/renewal", headers=auth()).json["offer"]
    terms = api.get(f"/policies/{number}/renewal/terms", headers=auth()).data.decode()
    assert "unpaid 14 days after its due date" in " ".join(terms.split())
    # And the customer's e-mail gives the first day of the next term in words
    told = notifications(issuance)
    assert [n["template"] for n in told] == ["renewal_offered"]
    assert told[0]["data"]["effective_date"] == long_date(offer["effective_date"])
