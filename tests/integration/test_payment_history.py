"""Every change of a payment record is its own numbered version, through the real ASL under moto and the billing
view's `history`: a payment attempt at bind, an installment lowered by an amendment, an installment closed by the
billing run, a card replaced by the customer. Each version says when, who made it and which fields it changed, and
no later change alters an earlier version."""

from __future__ import annotations

import re

from insure.timestamps import PATTERN
from scripts.samples import APPLICATION, DECLINED_CARD
from tests.integration.test_amendments import DESKTOP, accept, amend, issued, pay_difference
from tests.integration.test_billing import (
    Customer,
    advance_to,
    billing,
    bought_monthly_and_cancelled_today,
    buy,
    make_card_decline,
    pay_overdue,
    pay_plan,
    run_billing,
    tokenize_for,
)
from tests.integration.test_issuance import accepted, pay


def versions_of(history: list[dict], record: str, installment: int | None = None) -> list[dict]:
    return [v for v in history if v["record"] == record and (installment is None or v["installment"] == installment)]


def who(versions: list[dict]) -> list[tuple]:
    return [(v["version"], v["change"], v["made_by"]) for v in versions]


def changed(version: dict) -> dict[str, tuple]:
    return {c["field"]: (c["before"], c["after"]) for c in version["changes"]}


def test_each_payment_attempt_at_bind_is_its_own_version_by_the_customer(issuance):
    api = issuance.api
    application_id, auth = accepted(api)
    # When the first card is declined and the second pays
    assert pay(api, application_id, auth, card=DECLINED_CARD).status_code == 402
    paid = pay(api, application_id, auth)
    assert paid.status_code == 200, paid.json
    # Then the payment at bind has two versions, both the customer's: the decline, then the payment
    history = billing(api, paid.json["policy_number"], auth)["history"]
    attempts = versions_of(history, "first_payment")
    assert who(attempts) == [(1, "declined", "customer"), (2, "paid", "customer")]
    assert changed(attempts[0])["decline_code"] == (None, "card_declined")
    second = changed(attempts[1])
    assert second["attempts"] == (1, 2) and second["decline_code"] == ("card_declined", None)
    assert second["authorization_id"][0] is None and second["authorization_id"][1]
    # And the policy's billing opened with the card and the installment, each its version 1 by the workflow
    assert who(versions_of(history, "card")) == [(1, "card_kept", "workflow")]
    assert who(versions_of(history, "installment", 1)) == [(1, "created", "workflow")]


def test_an_installment_lowered_by_an_amendment_is_a_new_version_by_the_customer(issuance):
    api = issuance.api
    application_id, auth = accepted(api, items=[APPLICATION["items"][0], DESKTOP])
    paid = pay_plan(api, application_id, auth, "monthly")
    assert paid.status_code == 200, paid.json
    number = paid.json["policy_number"]
    before = billing(api, number, auth)
    laptop = api.get(f"/policies/{number}", headers=auth).json["items"][0]
    # When the customer drops the desktop and accepts the lower premium
    shown = amend(api, number, auth, [{"item_id": laptop["item_id"]}]).json
    assert shown["offer"]["settlement"] == "refund", shown
    assert accept(api, number, auth, shown).status_code == 200
    # Then every installment it lowered has a version 2 by the customer: its amount and the amendment's adjustment
    after = billing(api, number, auth)
    lowered = [v for v in after["history"] if v["change"] == "lowered"]
    assert lowered, after["history"]
    for version in lowered:
        assert (version["version"], version["made_by"]) == (2, "customer")
        assert set(changed(version)) == {"amount", "adjustments"}
        old, new = changed(version)["amount"]
        shown_before = before["schedule"][version["installment"] - 1]["amount"]["amount"]
        assert old == shown_before and new == after["schedule"][version["installment"] - 1]["amount"]["amount"]
    # And every version there was before is unchanged
    assert [v for v in after["history"] if v in before["history"]] == before["history"]


def test_each_attempt_to_settle_an_amendment_is_its_own_version_of_its_settlement(issuance):
    api = issuance.api
    number, auth, policy = issued(api)
    shown = amend(api, number, auth, [{"item_id": policy["items"][0]["item_id"]}, DESKTOP]).json
    assert shown["offer"]["settlement"] == "charge", shown
    assert accept(api, number, auth, shown).status_code == 200
    amendment = f"/policies/{number}/amendments/{shown['amendment_id']}"
    # When the first card is declined and the second pays the difference
    assert pay_difference(api, number, auth, shown["amendment_id"], card=DECLINED_CARD).status_code == 402
    declined = api.get(amendment, headers=auth).json["settlement"]
    paid = pay_difference(api, number, auth, shown["amendment_id"])
    assert paid.status_code == 200, paid.json
    # Then the settlement shows the payment, and both attempts are kept as its versions, the customer's
    settlement = api.get(amendment, headers=auth).json["settlement"]
    assert (settlement["attempts"], settlement["decline_code"]) == (2, None)
    attempts = settlement["records"]
    assert who(attempts) == [(1, "declined", "customer"), (2, "paid", "customer")]
    assert changed(attempts[0])["decline_code"] == (None, "card_declined")
    assert changed(attempts[1])["attempts"] == (1, 2) and changed(attempts[1])["decline_code"] == (
        "card_declined",
        None,
    )
    assert attempts[0]["state"]["decline_code"] == "card_declined"
    # And the decline shown before is the first version, unchanged
    assert declined["records"] == attempts[:1]
    assert all(re.match(PATTERN, v["effective_at"]) for v in attempts)


def test_an_installment_closed_by_the_billing_run_is_a_new_version_by_the_workflow(issuance):
    api = issuance.api
    number, auth = bought_monthly_and_cancelled_today(api)
    before = billing(api, number, auth)
    # When the billing run reaches the second installment of the cancelled policy
    advance_to(before["schedule"][1]["due_date"])
    assert run_billing(issuance)["cancelled"] == 1
    # Then it is closed as its version 2, made by the workflow
    history = billing(api, number, auth)["history"]
    second = versions_of(history, "installment", 2)
    assert who(second) == [(1, "created", "workflow"), (2, "closed", "workflow")]
    assert changed(second[1])["status"] == ("scheduled", "cancelled")
    assert [v for v in history if v in before["history"]] == before["history"]


def test_a_card_replaced_by_the_customer_is_a_new_version_and_each_attempt_one_of_the_installment(issuance):
    api = issuance.api
    number, session, _ = buy(api, "monthly")
    auth = Customer(api, session)
    due = billing(api, number, auth)["schedule"][1]["due_date"]
    # Given the kept card is declined by the run on the second installment's due date
    make_card_decline(number)
    advance_to(due)
    assert run_billing(issuance)["declined"] == 1
    before = billing(api, number, auth)
    # When the customer pays it with another card
    paid = pay_overdue(api, number, auth, tokenize_for(number)["token"])
    assert paid.status_code == 200, paid.json
    # Then the kept card has a version 2 by the customer, with what changed
    history = billing(api, number, auth)["history"]
    card = versions_of(history, "card")
    assert who(card) == [(1, "card_kept", "workflow"), (2, "card_replaced", "customer")]
    assert changed(card[1])["last4"] == ("4242", "4444") and changed(card[1])["brand"] == ("visa", "mastercard")
    # And every change of the installment is a version: the run's attempt and decline, then the customer's
    assert who(versions_of(history, "installment", 2)) == [
        (1, "created", "workflow"),
        (2, "attempt_started", "workflow"),
        (3, "declined", "workflow"),
        (4, "attempt_started", "customer"),
        (5, "paid", "customer"),
    ]
    assert [v for v in history if v in before["history"]] == before["history"]
    assert all(re.match(PATTERN, v["effective_at"]) for v in history)
