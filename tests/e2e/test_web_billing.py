"""Billing in a real browser (Chromium through Playwright) on its own local cloud (its clock moves on): a renewal
offered is shown in the customer's list of policies and on its page (premium, plans, deadline); they read the
renewal terms, accept them (the page hashes what it showed and sends the hash), choose a plan and pay with another
card tokenized in the browser straight at the card processor; the next term is issued and that card kept. A
declined installment is shown on the policy with an offer to pay it with another card, which then pays it and is
kept. axe-core on every page, a screenshot of each at 360×640, the client's real Content-Security-Policy enforced
without a violation, no console errors."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_accessible, open_page, shoot
from tests.e2e.conftest import RunningCloud, started_cloud
from tests.e2e.test_issuance import Session
from tests.e2e.test_web_account import fill_card, sign_in

PASSWORD = "correct horse battery staple"
NEW_CARD = "5555555555554444"


@pytest.fixture(scope="module")
def renewal_cloud() -> Iterator[RunningCloud]:
    with started_cloud("e2e-renewal") as running:
        yield running


def heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()


def photographed(page, name: str, where: str) -> None:
    assert_accessible(page, where)
    fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{where} is wider than a phone"
    shoot(page, f"account-billing-{name}-phone")


def bought_with_an_account(cloud: RunningCloud, email: str) -> str:
    session = Session(cloud).accepted()
    number: str = session.issued(session.pay())["policy_number"]
    created = session.call("POST", "/accounts", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return number


def move_clock_to(cloud: RunningCloud, day: str) -> None:
    admin = {"Authorization": f"Bearer {cloud.admin_key}"}
    now = dt.datetime.fromisoformat(cloud.http.get(f"{cloud.url}/_local/clock", headers=admin).json()["now"])
    target = dt.datetime.fromisoformat(f"{day}T06:00:00+00:00")
    moved = cloud.http.post(
        f"{cloud.url}/_local/clock", json={"advance_seconds": (target - now).total_seconds()}, headers=admin
    )
    assert moved.status_code == 200, moved.text


def fire(cloud: RunningCloud, schedule: str) -> dict:
    admin = {"Authorization": f"Bearer {cloud.admin_key}"}
    fired = cloud.http.post(f"{cloud.url}/_local/schedules/{schedule}/run", headers=admin)
    assert fired.status_code == 200, fired.text
    return fired.json()["result"]


def signed_in(cloud: RunningCloud, email: str) -> dict[str, str]:
    login = cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _signed_in_on_a_phone(chromium, cloud: RunningCloud, email: str) -> tuple[Any, Any, list[str]]:
    """A phone-sized page signed in to the account at "Your policies", and every body the page sends to the API."""
    page, console = open_page(chromium, phone=True, bypass_csp=False)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.startswith(cloud.url) else None)
    page.goto(f"{cloud.url}/account")
    heading(page, "Sign in to your account")
    sign_in(page, email, PASSWORD)
    heading(page, "Your policies")
    return page, console, sent


def test_a_renewal_offered_is_accepted_and_paid_with_another_card_from_the_account(renewal_cloud, chromium):
    cloud = renewal_cloud
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    # Given a customer whose policy comes up for renewal: the clock moved to thirty days before its term ends
    number = bought_with_an_account(cloud, email)
    policy = cloud.http.get(f"{cloud.url}/policies/{number}", headers=signed_in(cloud, email)).json()["current"]
    expiry = dt.date.fromisoformat(policy["expiry_date"])
    move_clock_to(cloud, (expiry - dt.timedelta(days=30)).isoformat())
    fire(cloud, "renewal-run")
    # When they sign in on a phone
    page, console, sent = _signed_in_on_a_phone(chromium, cloud, email)
    # Then their policy shows the renewal offered, with the day to pay by
    note = page.locator("[data-renewal=offered]")
    expect(note).to_contain_text("Renewal offered")
    expect(note).to_contain_text(f"{expiry.day} {expiry:%B %Y}")
    photographed(page, "1-policies", "the policies with a renewal")
    # When they open it: the premium, the plans, then the terms
    note.get_by_role("link", name="See the renewal").click()
    heading(page, "Renew your policy")
    expect(page.locator("#renewal-premium")).to_contain_text("$")
    photographed(page, "2-offer", "the renewal offer")
    page.get_by_role("button", name="Read the renewal terms").click()
    heading(page, "Read the renewal terms")
    expect(page.locator(".terms h2")).to_contain_text(f"Renewal of policy {number}")
    photographed(page, "3-terms", "the renewal terms")
    page.get_by_role("button", name="I accept").click()
    # And pay quarterly with another card, tokenized in the browser at the processor
    heading(page, "Pay for the renewal")
    expect(page.locator("#new-card")).to_be_hidden()  # the kept card is offered first
    page.check("input[name=payment-plan][value=quarterly]")
    page.check("input[name=pay-with][value=new]")
    fill_card(page, NEW_CARD, exp_year="2035")
    photographed(page, "4-payment", "the renewal payment")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    # Then the policy is renewed: the next term issued on the quarterly plan, the new card kept
    heading(page, "Your policy is renewed")
    photographed(page, "5-renewed", "the renewal done")
    auth = signed_in(cloud, email)
    current = cloud.http.get(f"{cloud.url}/policies/{number}", headers=auth).json()["current"]
    assert (current["term"], current["change"], current["payment_plan"]) == (2, "renewed", "quarterly")
    billing = cloud.http.get(f"{cloud.url}/policies/{number}/billing", headers=auth).json()
    assert billing["card"] == {"brand": "mastercard", "last4": "4444"}
    listed = cloud.http.get(f"{cloud.url}/me/policies", headers=auth).json()["policies"]
    assert listed[0]["renewal"] is None
    # And the card number never went to the platform's API, and nothing went wrong on any page
    assert not any(NEW_CARD in body for body in sent)
    assert console.errors == []
    assert console.csp == []
    page.context.close()


def test_a_declined_installment_is_paid_with_another_card_from_the_account(renewal_cloud, chromium):
    from urllib.parse import urlsplit

    cloud = renewal_cloud
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    # Given a customer on the monthly plan whose kept card is declined on the second installment's due date
    session = Session(cloud).accepted()
    paid = session.call(
        "POST",
        f"/applications/{session.id}/payment",
        json={"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}}
        | {"payment_plan": "monthly"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    number = session.issued(paid)["policy_number"]
    assert session.call("POST", "/accounts", json={"email": email, "password": PASSWORD}).status_code == 201
    tokenization = urlsplit(cloud.http.get(f"{cloud.url}/config").json()["card_tokenization_url"])
    processor = f"{tokenization.scheme}://{tokenization.netloc}"
    method = cloud.http.get(f"{processor}/v1/charges", params={"reference": session.id}).json()["charges"][0]
    declined = cloud.http.post(
        f"{processor}/v1/test_helpers/payment_methods/{method['payment_method']}/decline",
        json={"decline_code": "insufficient_funds"},
    )
    assert declined.status_code == 200, declined.text
    schedule = cloud.http.get(f"{cloud.url}/policies/{number}/billing", headers=signed_in(cloud, email)).json()
    move_clock_to(cloud, schedule["schedule"][1]["due_date"])
    assert fire(cloud, "billing-run")["declined"] == 1
    # When they sign in on a phone and open the policy, Then it says the payment failed and offers to pay it
    page, console, sent = _signed_in_on_a_phone(chromium, cloud, email)
    listed = page.locator(f"[data-payment-failed='{number}']")
    expect(listed).to_contain_text(f"${schedule['schedule'][1]['amount']['amount']} is owed")
    photographed(page, "6-policies-payment-failed", "the policies with a failed payment")
    page.get_by_role("link", name=re.compile(number)).click()
    heading(page, f"Policy {number}")
    failed = page.locator("#payment-failed")
    expect(failed).to_contain_text("Installment 2")
    expect(failed).to_contain_text("insufficient funds")
    failed.scroll_into_view_if_needed()
    photographed(page, "7-payment-failed", "the policy with a failed payment")
    # When they pay with another card, tokenized in the browser at the processor
    failed.get_by_role("link", name=re.compile("^Pay .* now with another card")).click()
    heading(page, "Pay what is overdue")
    fill_card(page, NEW_CARD, exp_year="2035")
    photographed(page, "8-pay-overdue", "paying what is overdue")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    # Then it is paid, the new card kept, and the policy no longer shows a failed payment
    heading(page, "Payment received")
    photographed(page, "9-overdue-paid", "the overdue payment done")
    view = cloud.http.get(f"{cloud.url}/policies/{number}/billing", headers=signed_in(cloud, email)).json()
    assert view["schedule"][1]["status"] == "paid" and view["balance"]["amount"] == "0.00"
    assert view["card"] == {"brand": "mastercard", "last4": "4444"}
    page.get_by_role("link", name="View your policy").click()
    heading(page, f"Policy {number}")
    expect(page.locator("#payment-failed")).to_have_count(0)
    assert not any(NEW_CARD in body for body in sent)
    assert console.errors == []
    assert console.csp == []
    page.context.close()
