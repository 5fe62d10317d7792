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
