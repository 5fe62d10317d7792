"""Refunds with payment plans and renewals, through the real ASL under moto: a plan's fee is never refunded, only
what was paid for the term in force counts (a renewed policy's first term is closed), and a decrease on an
installment plan first lowers the installments not yet charged."""

from __future__ import annotations

from decimal import Decimal

from insure.policies.proration import premium_parts
from scripts.samples import APPLICATION
from tests.integration.test_amendments import DESKTOP, accept, amend, refunds_at_processor
from tests.integration.test_billing import Customer, advance_to, billing, pay_plan
from tests.integration.test_issuance import accepted
from tests.integration.test_renewals import renewal_day, run_renewals


def amounts(plan: dict) -> list[Decimal]:
    return [Decimal(i["amount"]["amount"]) for i in plan["schedule"]]


def premium_in_first(plan: dict) -> Decimal:
    """The premium part of a plan's first installment (the rest of it is the plan's fee)."""
    premium = Decimal(plan["total"]["amount"]) - Decimal(plan["fee"]["amount"])
    return premium_parts(amounts(plan), premium)[0]


def test_cancelling_in_the_second_term_refunds_only_that_terms_premium_never_its_plan_fee(issuance):
    api = issuance.api
    # Given a policy paid in full for its first term, renewed and paid monthly for its second
    application_id, session = accepted(api)
    paid = pay_plan(api, application_id, session, "annual")
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    auth = Customer(api, session)
    policy = api.get(f"/policies/{number}", headers=auth()).json
    advance_to(renewal_day(policy))
    assert run_renewals(issuance)["offered"] == 1
    offer = api.get(f"/policies/{number}/renewal", headers=auth()).json["offer"]
    body = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    assert api.post(f"/policies/{number}/renewal/accept", json=body, headers=auth()).status_code == 200
    headers = {**auth(), "Idempotency-Key": "renewal-1"}
    renewed = api.post(f"/policies/{number}/renewal/payment", json={"payment_plan": "monthly"}, headers=headers)
    assert renewed.status_code == 200, renewed.json
    monthly = next(p for p in offer["payment_plans"] if p["plan"] == "monthly")
    advance_to(offer["effective_date"])
    # When the customer cancels on the first day of the second term
    day = offer["effective_date"]
    preview = api.get(f"/policies/{number}/cancellation/preview?effective_date={day}", headers=auth()).json
    # Then what counts as paid is the premium in the second term's first installment: not its plan fee, not the
    # first term's premium
    paid_for_term = premium_in_first(monthly)
    assert Decimal(preview["paid"]["amount"]) == paid_for_term < amounts(monthly)[0]
    minimum = Decimal(preview["minimum_premium"]["amount"])
    assert Decimal(preview["refund"]["amount"]) == max(paid_for_term - minimum, Decimal("0.00"))
    before = len(refunds_at_processor())
    done = api.post(f"/policies/{number}/cancellation", json={"effective_date": day, "reason": "other"}, headers=auth())
    assert done.status_code == 200, done.json
    assert done.json["refund"] == preview["refund"]
    # And the refund goes back to the second term's charge only
    term2_charge = next(p["processor_id"] for p in billing(api, number, auth)["payments"] if p["term"] == 2)
    refunds = refunds_at_processor()[before:]
    assert sum(Decimal(r["amount"]) for r in refunds) == Decimal(preview["refund"]["amount"])
    assert {r["charge_id"] for r in refunds} <= {term2_charge}


def test_a_decrease_on_a_monthly_plan_lowers_the_installments_not_yet_charged_before_refunding(issuance):
    api = issuance.api
    # Given a policy of two computers paid monthly (only the first installment charged so far)
    application_id, session = accepted(api, items=[APPLICATION["items"][0], DESKTOP])
    paid = pay_plan(api, application_id, session, "monthly")
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    auth = Customer(api, session)
    laptop, _desktop = api.get(f"/policies/{number}", headers=auth()).json["items"]
    scheduled = billing(api, number, auth)["schedule"]
    still_to_charge = sum(Decimal(i["amount"]["amount"]) for i in scheduled[1:])
    before = len(refunds_at_processor())
    # When the customer drops the desktop from today
    shown = amend(api, number, auth(), [{"item_id": laptop["item_id"]}]).json
    assert shown["offer"]["settlement"] == "refund", shown
    decrease = -Decimal(shown["offer"]["premium_difference"]["amount"])
    done = accept(api, number, auth(), shown)
    assert done.status_code == 200 and done.json["status"] == "issued", done.json
    # Then the decrease is taken off the eleven installments still to be charged (they carry it: the customer paid
    # one month of the old premium) and nothing is refunded for premium that was never paid
    settlement = done.json["settlement"]
    assert settlement["installments_lowered"]["amount"] == str(decrease)
    assert settlement["refunded"]["amount"] == "0.00"
    assert refunds_at_processor()[before:] == []
    after = billing(api, number, auth)["schedule"]
    assert sum(Decimal(i["amount"]["amount"]) for i in after[1:]) == still_to_charge - decrease
    assert after[0] == scheduled[0]  # the installment already paid is untouched
    # And the last installments are lowered first, none below its plan fee
    lowered = [
        Decimal(b["amount"]["amount"]) - Decimal(a["amount"]["amount"]) for a, b in zip(after, scheduled, strict=True)
    ]
    assert lowered[-1] > 0 and all(x >= 0 for x in lowered)
    assert all(Decimal(i["amount"]["amount"]) > 0 for i in after)
