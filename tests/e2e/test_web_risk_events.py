"""A customer's reports and the claims desk in a real browser (Chromium through Playwright) on the running local
cloud: a finder reports on Ada's laptop; Ada, signed in, finds the report under "Your reports" with the platform's
claims desk by name, opens it and watches it live (her access token, no reporter token) on a phone; an adjuster in
the back office sees the desk's open claim and moves it with a note, and Ada's page shows the new status and the
note as it happens. Both run under the client's real Content-Security-Policy; each page is checked by axe-core and
fits 360×640; no console errors, no CSP violation."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.browser import PHONE, assert_accessible, open_page, shoot
from tests.e2e.test_issuance import Session
from tests.e2e.test_web_account import PASSWORD, heading, sign_in

FINDER = {"name": "Fran Finder", "phone": "+13125550177"}


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_watches_her_report_live_while_an_adjuster_moves_the_desk_claim(cloud, chromium):
    # Given Ada bought a computer policy, has an account, and a finder reported on her laptop
    session = Session(cloud).accepted()
    number = session.issued(session.pay())["policy_number"]
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    assert session.call("POST", "/accounts", json={"email": email, "password": PASSWORD}).status_code == 201
    opened = cloud.http.post(f"{cloud.url}/risk-events", json={"policy_number": number, "reporter": FINDER})
    assert opened.status_code == 201, opened.text
    # When she signs in on her phone and opens "Your reports"
    ada, console = open_page(chromium, phone=True, bypass_csp=False)
    ada.goto(f"{cloud.url}/account/sign-in")
    heading(ada, "Sign in to your account")
    sign_in(ada, email, PASSWORD)
    heading(ada, "Your policies")
    ada.get_by_role("link", name="Your reports").click()
    heading(ada, "Your reports")
    # Then her laptop's report is listed, with the platform's claims desk by name
    card = ada.locator("#risk-events li").first
    expect(card).to_contain_text("Dell XPS 13")
    expect(card).to_contain_text("Someone else")
    expect(card).to_contain_text("Platform claims desk")
    assert fits(ada)
    assert_accessible(ada, "the customer's reports")
    shoot(ada, "account-16-reports-phone")
    # When she opens it, she watches it live with her own sign-in
    card.get_by_role("link").click()
    ada.get_by_role("heading", level=2, name="Your insurers").wait_for()
    desk = ada.locator("#insurers li[data-insurer=ins_platform]")
    expect(desk).to_contain_text("Platform claims desk")
    expect(ada.locator("#live-status")).to_have_attribute("data-mode", "websocket")
    assert ada.locator("form").count() == 0  # facts are the reporter's to send
    assert fits(ada)
    assert_accessible(ada, "the customer's live report")
    # And an adjuster, in the back office, sees the desk's open claim for her policy
    adjuster, admin_console = open_page(chromium, bypass_csp=False)
    adjuster.goto(f"{cloud.url}/admin")
    adjuster.fill("#admin-key", cloud.admin_key)
    adjuster.click("text=Sign in")
    adjuster.get_by_role("heading", level=2, name="Open claims at the platform's claims desk").wait_for()
    claim = adjuster.locator("#claims li", has_text=number)
    expect(claim).to_contain_text("Received")
    expect(claim).to_contain_text("Not said by the reporter yet")  # the finder did not say what happened
    assert_accessible(adjuster, "the claims desk")
    # A move without a note is refused next to the note
    claim.get_by_label("Assessing").check()
    claim.get_by_role("button", name="Move claim").click()
    expect(claim.get_by_text("Enter a note: the customer sees it").first).to_be_visible()
    # When they move it to assessing with a note
    claim.get_by_label("Note").fill("Adjuster Kim assigned; she will call you today")
    claim.get_by_role("button", name="Move claim").click()
    adjuster.get_by_role("status").get_by_text("is now assessing").wait_for()
    expect(adjuster.locator("#claims li", has_text=number)).to_contain_text("Adjuster Kim assigned")
    shoot(adjuster, "admin-claims")
    # Then Ada's page shows it at once, live
    expect(desk).to_have_attribute("data-status", "assessing")
    expect(desk).to_contain_text("Assessing")
    expect(desk).to_contain_text("Adjuster Kim assigned; she will call you today")
    shoot(ada, "account-17-report-live-phone")
    assert ada.viewport_size == PHONE
    assert console.errors == [] and admin_console.errors == []
    assert console.csp == [] and admin_console.csp == []
    ada.context.close()
    adjuster.context.close()
