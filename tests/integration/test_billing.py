"""Billing through the real ASL under moto: payment plans on the quote and the offer, the plan chosen when paying,
its first installment charged at bind to a card kept at the processor (a customer and payment method, never the
number), and the billing view of the policy."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from scripts.samples import APPLICATION, GOOD_CARD
from tests.integration.test_issuance import accepted, offered


def pay_plan(api, application_id, auth, plan, card=GOOD_CARD):
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    body = {"card": card, "payment_plan": plan}
    return api.post(f"/applications/{application_id}/payment", json=body, headers=headers)


def buy(api, plan="monthly", card=GOOD_CARD):
    application_id, auth = accepted(api)
    paid = pay_plan(api, application_id, auth, plan, card)
    assert paid.status_code == 200, paid.json
    return paid.json["policy_number"], auth, application_id


def total(plan: dict) -> Decimal:
    return sum((Decimal(i["amount"]["amount"]) for i in plan["schedule"]), Decimal("0"))


def test_the_quote_and_the_offer_show_each_plan_with_a_schedule_summing_to_premium_plus_fee(issuance):
    api = issuance.api
    # When a person asks for a quote
    quote = api.post("/quotes", json={k: APPLICATION[k] for k in ("product", "state", "items")})
    assert quote.status_code == 200, quote.json
    premium = Decimal(quote.json["premium"]["amount"])
    plans = {p["plan"]: p for p in quote.json["payment_plans"]}
    # Then every plan of the computer rulebook is shown, each schedule adding up to premium + fee
    assert list(plans) == ["annual", "quarterly", "monthly"]
    assert [plans[p]["installments"] for p in plans] == [1, 4, 12]
    for plan in plans.values():
        assert total(plan) == premium + Decimal(plan["fee"]["amount"]) == Decimal(plan["total"]["amount"])
    assert plans["annual"]["fee"]["amount"] == "0.00"
    # And the offer shows the same plans for the premium offered
    _, _, shown = offered(api)
    offer = shown["offer"]
    assert [p["plan"] for p in offer["payment_plans"]] == ["annual", "quarterly", "monthly"]
    monthly = offer["payment_plans"][2]
    assert total(monthly) == Decimal(offer["premium"]["amount"]) + Decimal(monthly["fee"]["amount"])


def test_paying_monthly_charges_the_first_installment_and_keeps_the_card_at_the_processor(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    offer = api.get(f"/applications/{application_id}", headers=auth).json["offer"]
    monthly = next(p for p in offer["payment_plans"] if p["plan"] == "monthly")
    # When the person pays on the monthly plan
    paid = pay_plan(api, application_id, auth, "monthly")
    # Then the policy is issued on that plan
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    policy = api.get(f"/policies/{number}", headers=auth).json
    assert policy["current"]["payment_plan"] == "monthly"
    assert policy["current"]["payment_schedule"]["total"] == monthly["total"]
    # And the billing view shows twelve installments, the first paid with the processor's order and authorization
    billing = api.get(f"/policies/{number}/billing", headers=auth)
    assert billing.status_code == 200, billing.json
    view = billing.json
    assert view["payment_plan"] == "monthly"
    assert len(view["schedule"]) == 12
    first, second = view["schedule"][0], view["schedule"][1]
    assert first["status"] == "paid" and first["attempts"] == 1
    assert first["amount"] == monthly["schedule"][0]["amount"]
    assert first["processor_order_id"].startswith("ch_") and first["authorization_id"]
    assert second["status"] == "scheduled" and second["attempts"] == 0
    assert [p["amount"] for p in view["payments"]] == [monthly["schedule"][0]["amount"]]
    assert view["payments"][0]["authorization_id"] == first["authorization_id"]
    assert view["balance"]["amount"] == "0.00"
    # And the card is kept at the processor as a customer's payment method; its number is nowhere in the table
    from insure.billing.repository import BillingRepository
    from insure.settings import get_settings

    account = BillingRepository(get_settings().table_name).account(number)
    assert account is not None
    assert account.customer_id.startswith("cus_") and account.payment_method_id.startswith("pm_")
    assert (account.brand, account.last4, account.email) == ("visa", "4242", "ada@example.com")
    import urllib.request

    url = f"{get_settings().card_processor_url}/v1/customers/{account.customer_id}/payment_methods"
    with urllib.request.urlopen(url) as response:
        kept = json.loads(response.read())["payment_methods"]
    assert [m["payment_method_id"] for m in kept] == [account.payment_method_id]
    import boto3

    items = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Items"]
    assert GOOD_CARD["number"] not in json.dumps(items)


def test_annual_stays_the_default_and_an_unknown_plan_is_a_field_error_that_changes_nothing(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    # When the person asks for a plan there is not
    refused = pay_plan(api, application_id, auth, "weekly")
    # Then it is a field error, and the application still awaits payment
    assert refused.status_code == 422, refused.json
    assert any(e["field"] == "payment_plan" for e in refused.json["errors"])
    assert api.get(f"/applications/{application_id}", headers=auth).json["status"] == "accepted"
    # When paying without a plan, Then the whole premium is charged at once on the annual plan
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    paid = api.post(f"/applications/{application_id}/payment", json={"card": GOOD_CARD}, headers=headers)
    assert paid.status_code == 200, paid.json
    view = api.get(f"/policies/{paid.json['policy_number']}/billing", headers=auth).json
    assert view["payment_plan"] == "annual"
    assert [i["status"] for i in view["schedule"]] == ["paid"]
    premium = api.get(f"/applications/{application_id}", headers=auth).json["offer"]["premium"]
    assert view["payments"][0]["amount"] == premium == view["total_charged"]


# -- installments charged by the scheduled billing run, on the platform's clock ----------------------------------
def run_billing(platform) -> dict:
    """The scheduled function fires (as its EventBridge schedule would invoke it)."""
    return platform.functions.invoke("billing_run", {"schedule": "billing-run"})


def advance_to(day: str) -> None:
    import datetime as dt

    from insure import timestamps

    target = dt.datetime.fromisoformat(day + "T06:00:00+00:00")
    if target > timestamps.current():
        timestamps.advance(target - timestamps.current())


class Customer:
    """The policyholder after the session: an account, signed in again whenever the clock has moved (a month on,
    the session and any access token have long expired)."""

    def __init__(self, api, session_auth, email="ada@example.com", password="a long passphrase for billing 42"):
        self.api, self.credentials = api, {"email": email, "password": password}
        created = api.post("/accounts", json=self.credentials, headers=session_auth)
        assert created.status_code == 201, created.json

    def __call__(self) -> dict[str, str]:
        signed_in = self.api.post("/auth/login", json=self.credentials)
        assert signed_in.status_code == 200, signed_in.json
        return {"Authorization": f"Bearer {signed_in.json['access_token']}"}


def billing(api, number, auth) -> dict:
    if callable(auth):
        auth = auth()
    response = api.get(f"/policies/{number}/billing", headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def processor_call(path: str, method: str = "GET", body: dict | None = None) -> dict:
    import urllib.request

    from insure.settings import get_settings

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{get_settings().card_processor_url}{path}", data=data, method=method)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def make_card_decline(number: str) -> None:
    from insure.billing.repository import BillingRepository
    from insure.settings import get_settings

    account = BillingRepository(get_settings().table_name).account(number)
    path = f"/v1/test_helpers/payment_methods/{account.payment_method_id}/decline"
    processor_call(path, "POST", {"decline_code": "insufficient_funds"})
    return path


def notifications(platform) -> list[dict]:
    import boto3

    sqs = boto3.client("sqs")
    url = platform.deployment.queues["notifications"]
    found = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return found
        found += [json.loads(m["Body"]) for m in batch]


def test_installments_are_charged_on_their_dates_once_whatever_the_runs(issuance):
    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    schedule = billing(api, number, auth)["schedule"]
    # Given the run fires before the second installment is due, Then nothing is charged
    assert run_billing(issuance)["charged"] == 0
    # When the clock reaches the second installment's due date and the run fires
    advance_to(schedule[1]["due_date"])
    report = run_billing(issuance)
    # Then that installment (and no later one) is charged, with the processor's order id and authorization id
    assert report["charged"] == 1, report
    view = billing(api, number, auth)
    second = view["schedule"][1]
    assert second["status"] == "paid" and second["attempts"] == 1
    assert second["processor_order_id"].startswith("ch_") and second["authorization_id"]
    assert [i["status"] for i in view["schedule"][2:]] == ["scheduled"] * 10
    assert [p["installment"] for p in view["payments"]] == [1, 2]
    assert view["payments"][1]["processor_id"] == second["processor_order_id"]
    assert view["payments"][1]["amount"] == second["amount"]
    assert view["balance"]["amount"] == "0.00"
    # When the run fires again the same day, and twice at once, Then nothing more is charged
    from concurrent.futures import ThreadPoolExecutor

    assert run_billing(issuance)["charged"] == 0
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: run_billing(issuance), range(2)))
    assert sum(r["charged"] for r in reports) == 0
    charges = processor_call(f"/v1/charges?reference={number}:1:2")["charges"]
    assert len(charges) == 1 and charges[0]["off_session"] is True


def test_two_runs_at_once_charge_a_due_installment_once(issuance):
    from concurrent.futures import ThreadPoolExecutor

    api = issuance.api
    number, session, _ = buy(api, "quarterly")
    auth = Customer(api, session)
    advance_to(billing(api, number, auth)["schedule"][1]["due_date"])
    # When two runs start at the same moment on the same due installment
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: run_billing(issuance), range(2)))
    # Then it is charged once: one run charged it, the other found it taken
    assert sorted(r["charged"] for r in reports) == [0, 1], reports
    assert len(processor_call(f"/v1/charges?reference={number}:1:2")["charges"]) == 1
    assert billing(api, number, auth)["schedule"][1]["attempts"] == 1


def test_a_declined_installment_is_retried_the_customer_told_each_time_then_the_policy_lapses(issuance):
    import datetime as dt
    import re

    from insure.notifications.templates import templates
    from insure.policies.wording import long_date

    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    due = billing(api, number, auth)["schedule"][1]["due_date"]
    notifications(issuance)  # what issuance queued
    # Given the kept card now declines
    make_card_decline(number)
    day = dt.date.fromisoformat(due)
    lapse_day = long_date(day + dt.timedelta(days=10))
    # When the run fires on the due date, 3 and 7 days later
    for offset, next_try in ((0, 3), (3, 7), (7, 10)):
        advance_to((day + dt.timedelta(days=offset)).isoformat())
        assert run_billing(issuance)["declined"] == 1
        second = billing(api, number, auth)["schedule"][1]
        # Then each attempt is recorded, the next try set, and the customer told (dates in words)
        assert second["status"] == "failed"
        assert second["next_attempt_on"] == (day + dt.timedelta(days=next_try)).isoformat()
        assert second["last_decline_code"] == "insufficient_funds"
        told = [n for n in notifications(issuance) if n["template"].startswith("installment_")]
        assert len(told) == 1 and told[0]["recipient"] == "ada@example.com"
        assert told[0]["data"]["lapse_date"] == lapse_day
        text = templates()[told[0]["template"]].render("email", told[0]["data"]).body
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        if next_try < 10:  # a retry is still to come: its day
            assert told[0]["template"] == "installment_failed"
            assert f"try your card again on {long_date(second['next_attempt_on'])}" in text
        else:  # the last notice: no other try; the policy lapses on that day unless paid, and where to pay
            assert told[0]["template"] == "installment_last_failed"
            assert "try your card again" not in text
            assert f"Unless the installment is paid before {lapse_day}, the policy lapses on that day" in text
            assert f"/account/policies/{number}/pay" in text
    view = billing(api, number, auth)
    assert view["schedule"][1]["attempts"] == 3
    assert view["balance"]["amount"] == view["schedule"][1]["amount"]["amount"]
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"  # still within grace
    # When the grace period ends unpaid
    advance_to((day + dt.timedelta(days=10)).isoformat())
    assert run_billing(issuance)["lapsed"] == 1
    # Then the policy lapses as a new version, the term's other installments are closed, the customer is told
    policy = api.get(f"/policies/{number}", headers=auth()).json
    assert policy["status"] == "lapsed" and policy["version"] == 2
    assert policy["current"]["change"] == "lapsed"
    assert policy["current"]["version_effective_date"] == (day + dt.timedelta(days=10)).isoformat()
    statuses = [i["status"] for i in billing(api, number, auth)["schedule"]]
    assert statuses == ["paid", "lapsed"] + ["cancelled"] * 10
    lapsed = notifications(issuance)
    assert [n["template"] for n in lapsed] == ["policy_lapsed"] and lapsed[0]["data"]["lapse_date"] == lapse_day
    # And nothing is charged any more
    advance_to((day + dt.timedelta(days=40)).isoformat())
    assert run_billing(issuance) | {"seconds": 0} == {
        "due": 0,
        "charged": 0,
        "declined": 0,
        "lapsed": 0,
        "cancelled": 0,
        "skipped": 0,
        "seconds": 0,
    }
    assert len(processor_call(f"/v1/charges?reference={number}:1:2")["charges"]) == 3


def test_a_retry_that_succeeds_within_grace_clears_the_installment(issuance):
    import datetime as dt

    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    due = dt.date.fromisoformat(billing(api, number, auth)["schedule"][1]["due_date"])
    helper = make_card_decline(number)
    advance_to(due.isoformat())
    assert run_billing(issuance)["declined"] == 1
    # Given the card works again (the customer sorted it out with the bank)
    processor_call(helper, "DELETE")
    # When the retry comes three days later
    advance_to((due + dt.timedelta(days=3)).isoformat())
    assert run_billing(issuance)["charged"] == 1
    # Then the installment is paid on its second attempt, nothing is owed, and the policy never lapses
    view = billing(api, number, auth)
    assert view["schedule"][1]["status"] == "paid" and view["schedule"][1]["attempts"] == 2
    assert view["payments"][1]["attempts"] == 2 and view["balance"]["amount"] == "0.00"
    advance_to((due + dt.timedelta(days=11)).isoformat())
    assert run_billing(issuance)["lapsed"] == 0
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"


def bought_monthly_and_cancelled_today(api) -> tuple[str, Customer]:
    """A policy bought with the monthly plan and cancelled from today by its customer: its number and customer."""
    from insure import timestamps

    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    cancelled = api.post(
        f"/policies/{number}/cancellation",
        json={"effective_date": timestamps.today().isoformat(), "reason": "no_longer_needed"},
        headers=auth(),
    )
    assert cancelled.status_code == 200, cancelled.json
    return number, auth


def test_a_cancelled_policy_is_not_charged_again(issuance):
    api = issuance.api
    number, auth = bought_monthly_and_cancelled_today(api)
    advance_to(billing(api, number, auth)["schedule"][1]["due_date"])
    report = run_billing(issuance)
    assert (report["charged"], report["cancelled"]) == (0, 1)
    assert billing(api, number, auth)["schedule"][1]["status"] == "cancelled"
    assert processor_call(f"/v1/charges?reference={number}:1:2")["charges"] == []


# -- paying what is overdue with another card ---------------------------------------------------------------------
def tokenize_for(reference: str, number: str = "5555555555554444") -> dict:
    card = {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123", "holder": "Ada Lovelace"}
    return processor_call("/v1/tokens", "POST", card | {"client_reference": reference})


def pay_overdue(api, number, auth, token, key=None):
    headers = {**auth(), "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/policies/{number}/billing/payment", json={"payment_token": token}, headers=headers)


def test_a_declined_installment_is_paid_with_another_card_which_is_kept_and_nothing_lapses(issuance):
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from insure.billing.repository import BillingRepository
    from insure.settings import get_settings

    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    # Nothing is owed yet: 409, and nothing is charged
    assert pay_overdue(api, number, auth, tokenize_for(number)["token"]).status_code == 409
    due = dt.date.fromisoformat(billing(api, number, auth)["schedule"][1]["due_date"])
    # Given the kept card is declined on the second installment's due date (the policy is in its grace period)
    make_card_decline(number)
    advance_to(due.isoformat())
    assert run_billing(issuance)["declined"] == 1
    assert billing(api, number, auth)["schedule"][1]["status"] == "failed"
    listed = api.get("/me/policies", headers=auth()).json["policies"][0]
    assert listed["payment_failed"] == billing(api, number, auth)["schedule"][1]["amount"]
    # When the customer pays with a token made for another policy, Then 422 on the token, nothing charged
    foreign = pay_overdue(api, number, auth, tokenize_for("POL-SOMEONE-ELSE")["token"])
    assert foreign.status_code == 422 and foreign.json["errors"][0]["field"] == "payment_token"
    # And without an Idempotency-Key, 400
    token = tokenize_for(number)["token"]
    keyless = api.post(f"/policies/{number}/billing/payment", json={"payment_token": token}, headers=auth())
    assert keyless.status_code == 400
    # When the other card is declined too, Then 402 with the decline; the retry schedule and the kept card stand
    before = billing(api, number, auth)
    refused = pay_overdue(api, number, auth, tokenize_for(number, "4000000000000002")["token"])
    assert refused.status_code == 402 and refused.json["decline_code"] == "card_declined"
    after = billing(api, number, auth)
    assert after["schedule"][1]["status"] == "failed" and after["schedule"][1]["attempts"] == 2
    assert after["schedule"][1]["next_attempt_on"] == before["schedule"][1]["next_attempt_on"]
    assert after["card"] == before["card"] == {"brand": "visa", "last4": "4242"}
    # When they pay with another card tokenized for this policy, twice at once with one key, and with another key
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: pay_overdue(api, number, auth, token, key), range(2)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200, 200], [200, 409]), [a.json for a in answers]
    paid = next(a for a in answers if a.status_code == 200)
    assert pay_overdue(api, number, auth, token, key).json == paid.json  # a repeat: the first answer
    assert pay_overdue(api, number, auth, token).status_code == 409  # another key: nothing owed any more
    # Then the installment is paid once with the new card, which is kept for the next installments
    second = paid.json["schedule"][1]
    assert second["status"] == "paid" and second["attempts"] == 3 and second["processor_order_id"]
    assert paid.json["balance"]["amount"] == "0.00"
    assert paid.json["card"] == {"brand": "mastercard", "last4": "4444"}
    assert paid.json["payments"][1]["card"] == {"brand": "mastercard", "last4": "4444"}
    charges = processor_call(f"/v1/charges?reference={number}:1:2")["charges"]
    assert [c["status"] for c in charges] == ["declined", "declined", "succeeded"]
    kept = BillingRepository(get_settings().table_name).account(number)
    assert charges[2]["payment_method"] == kept.payment_method_id and kept.last4 == "4444"
    # And the retry day and the end of the grace period pass without a charge or a lapse; the third installment is
    # charged to the new card on its date
    advance_to((due + dt.timedelta(days=11)).isoformat())
    report = run_billing(issuance)
    assert (report["charged"], report["declined"], report["lapsed"]) == (0, 0, 0), report
    assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"
    assert api.get("/me/policies", headers=auth()).json["policies"][0]["payment_failed"] is None
    advance_to(billing(api, number, auth)["schedule"][2]["due_date"])
    assert run_billing(issuance)["charged"] == 1
    third = processor_call(f"/v1/charges?reference={number}:1:3")["charges"]
    assert [c["payment_method"] for c in third] == [kept.payment_method_id]


def test_declined_attempts_with_another_card_neither_use_up_the_retries_nor_bring_the_lapse_forward(issuance):
    import datetime as dt

    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    due = dt.date.fromisoformat(billing(api, number, auth)["schedule"][1]["due_date"])
    make_card_decline(number)
    advance_to(due.isoformat())
    assert run_billing(issuance)["declined"] == 1
    # Given the customer tried twice with another card that was declined too (attempts 2 and 3)
    for _ in range(2):
        refused = pay_overdue(api, number, auth, tokenize_for(number, "4000000000000002")["token"])
        assert refused.status_code == 402
    assert billing(api, number, auth)["schedule"][1]["attempts"] == 3
    # When the retry days come, Then the kept card is tried on each (not a lapse), and the policy lapses only at
    # the end of the grace period
    for offset in (3, 7):
        advance_to((due + dt.timedelta(days=offset)).isoformat())
        report = run_billing(issuance)
        assert (report["declined"], report["lapsed"]) == (1, 0), report
        assert api.get(f"/policies/{number}", headers=auth()).json["status"] == "active"
    assert billing(api, number, auth)["schedule"][1]["next_attempt_on"] == (due + dt.timedelta(days=10)).isoformat()
    advance_to((due + dt.timedelta(days=10)).isoformat())
    assert run_billing(issuance)["lapsed"] == 1


# -- the billing view ----------------------------------------------------------------------------------------------
def test_the_billing_view_lists_the_refund_of_an_amendment_that_removed_an_item(issuance):
    from tests.integration.test_amendments import DESKTOP, accept, amend

    api = issuance.api
    # Given a policy of two computers, paid in full
    application_id, auth = accepted(api, items=[APPLICATION["items"][0], DESKTOP])
    paid = pay_plan(api, application_id, auth, "annual")
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    laptop, _desktop = api.get(f"/policies/{number}", headers=auth).json["items"]
    premium = billing(api, number, auth)["total_charged"]
    # When the customer drops the desktop and the decrease is refunded
    shown = amend(api, number, auth, [{"item_id": laptop["item_id"]}]).json
    done = accept(api, number, auth, shown)
    assert done.status_code == 200 and done.json["status"] == "issued", done.json
    refund = done.json["settlement"]["amount"]
    # Then the billing view lists the refund, of version 2, to the card that paid, beside the charge it came from
    view = billing(api, number, auth)
    assert [(r["kind"], r["amount"], r["version"]) for r in view["refunds"]] == [("refund", refund, 2)]
    assert view["refunds"][0]["processor_id"] and view["refunds"][0]["card"]["last4"] == "4242"
    assert view["total_refunded"] == refund and view["total_charged"] == premium
    assert view["balance"]["amount"] == "0.00"
