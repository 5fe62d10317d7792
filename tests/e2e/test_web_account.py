"""Coming back in a real browser (Chromium through Playwright) on the running local cloud: a person buys a policy,
creates their account on the page that gives them the policy number, signs out, signs in again, sees the policy,
its versions and their PDFs, changes what it covers (re-underwritten, the difference paid by a card tokenized in
the browser), cancels it after seeing the refund, and changes their details; a locked account says when to try
again and a password reset by e-mailed code opens it. Every page is checked by axe-core and photographed at
desktop size and at 360×640; they run under the client's real Content-Security-Policy without a violation; no
console errors."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.browser import answer_every_question, assert_accessible, open_page, shoot_desktop_and_phone
from tests.e2e.test_accounts import delivered
from tests.e2e.test_issuance import Session

PASSWORD = "correct horse battery staple"
GOOD_CARD = "4242424242424242"


def heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()


def photographed(page, name: str, where: str) -> None:
    """axe-core on the page, then a full-page screenshot at desktop size and one at 360×640 (where it must fit)."""
    assert_accessible(page, where)
    shoot_desktop_and_phone(page, f"account-{name}")


def buy_in_the_page(page, url: str, email: str) -> str:
    answer_every_question(page, url, email=email)
    page.click("text=Submit application")
    page.click("text=Read the terms")
    page.get_by_role("button", name="I accept").click()
    # paying monthly: the button says what is taken today, the first of 12 installments
    pay_button = page.get_by_role("button", name=re.compile("^Pay"))
    annual = pay_button.inner_text()
    page.check("input[name=payment-plan][value=monthly]")
    expect(pay_button).not_to_have_text(annual)
    pay_by_card(page, "Pay")
    heading(page, "Your policy is issued")
    return page.locator("#policy-number").inner_text()


def fill_card(page, number: str = GOOD_CARD, exp_year: str = "2030") -> None:
    """The card fields of a payment page (sent by the page to the processor's tokenization endpoint)."""
    page.fill("#card-holder", "Ada Lovelace")
    page.fill("#card-number", number)
    page.fill("#card-exp-month", "12")
    page.fill("#card-exp-year", exp_year)
    page.fill("#card-cvc", "123")


def pay_by_card(page, button: str) -> None:
    fill_card(page)
    page.get_by_role("button", name=re.compile(f"^{button}")).click()


def sign_in(page, email: str, password: str) -> None:
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()


def test_buy_create_an_account_sign_out_and_in_then_change_and_cancel_the_policy(cloud, chromium):
    page, console = open_page(chromium, bypass_csp=False)
    sent_to_api: list[str] = []
    page.on("request", lambda r: sent_to_api.append(r.post_data or "") if r.url.startswith(cloud.url) else None)
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    # Given a person who has just bought a policy in the page
    number = buy_in_the_page(page, cloud.url, email)
    # When they create their account right there (the e-mail they gave is filled in)
    assert page.input_value("#account-email") == email
    page.click("text=Create account")
    page.locator("#account-password-error").wait_for()  # no password yet: said next to the field
    assert_accessible(page, "the account form with an error")
    page.fill("#account-password", PASSWORD)
    page.click("text=Create account")
    # Then they are signed in and see their policy
    heading(page, "Your policies")
    assert page.url.endswith("/account")
    expect(page.get_by_role("link", name=re.compile(number))).to_have_count(1)
    photographed(page, "1-policies", "the policies")
    # When they sign out, the account pages ask them to sign in again
    page.click("#sign-out")
    heading(page, "You have signed out")
    photographed(page, "1b-signed-out", "the signed-out page")
    page.goto(f"{cloud.url}/account")
    heading(page, "Sign in to your account")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#email-error").wait_for()
    photographed(page, "2-sign-in-errors", "the sign-in page with errors")
    sign_in(page, email, "not the password")
    page.locator("#password-error").get_by_text("Enter a correct email address and password").wait_for()
    sign_in(page, email, PASSWORD)
    heading(page, "Your policies")
    # And open the policy: what it covers, its versions and the first version's PDF
    page.get_by_role("link", name=re.compile(number)).click()
    heading(page, f"Policy {number}")
    expect(page.locator("table.versions tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.click("a.document-link[data-version='1']")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    expect(page.locator("#payment-plan")).to_have_text("Monthly")
    expect(page.locator("main dl").first).to_contain_text(
        re.compile(r"Cover\s*\d{1,2} [A-Z][a-z]+ \d{4} to \d{1,2} [A-Z][a-z]+ \d{4}")
    )
    photographed(page, "3-policy", "the policy")
    # When their access token has run out, the page refreshes it and carries on
    page.evaluate(
        "() => { const l = JSON.parse(sessionStorage.getItem('insure.login'));"
        " l.access_token = 'expired'; sessionStorage.setItem('insure.login', JSON.stringify(l)); }"
    )
    with page.expect_response(lambda r: r.url.endswith("/auth/refresh") and r.status == 200):
        page.reload()
    heading(page, f"Policy {number}")
    page.locator("table.versions").wait_for()
    # When they first add a custom-built desktop worth more than the rulebook insures online
    page.click("text=Change what is covered")
    heading(page, "Change what is covered")
    page.check("input[name=add][value=yes]")
    page.check("input[name=new-kind][value=desktop]")
    page.fill("#new-brand", "custom")
    page.fill("#new-value", "6000")
    page.click("text=Continue")
    page.click("text=Get the new price")
    # Then the change is declined in sentences, never with the rulebook's internal ids
    heading(page, "We cannot cover this change")
    reasons = page.locator(".reasons li").all_inner_texts()
    assert any("need an appraisal" in r for r in reasons), reasons
    assert not any("CMP-" in r or "rule" in r.lower() for r in reasons), reasons
    assert_accessible(page, "the declined change")
    # When they change their answers to a branded desktop, added to the policy from today
    page.get_by_role("button", name="Change your answers").click()
    heading(page, "Change what is covered")
    page.fill("#new-brand", "HP")
    page.fill("#new-value", "2000")
    photographed(page, "4-change", "the change page")
    page.click("text=Continue")
    heading(page, "Check the change")
    photographed(page, "5-change-check", "check the change")
    page.click("text=Get the new price")
    # Then the change is re-underwritten and priced: a difference to pay for the rest of the term
    heading(page, "Your new price")
    assert "You pay" in page.locator("#settlement").inner_text()
    photographed(page, "6-new-price", "the new price")
    page.click("text=Read the terms")
    heading(page, "Read the changed terms")
    page.locator(".terms ol li").first.wait_for()  # paragraphs and the items' list, not the server's hard lines
    assert page.locator(".terms p").count() > 3 and page.locator(".terms pre").count() == 0
    photographed(page, "6b-changed-terms", "the changed terms")
    page.get_by_role("button", name="I accept").click()
    heading(page, "Pay the difference by card")
    photographed(page, "7-pay-difference", "the difference's payment page")
    pay_by_card(page, "Pay")
    heading(page, "Your policy has changed")
    assert page.locator("#new-version").inner_text() == "Version 2"
    photographed(page, "8-changed", "the changed policy")
    page.click("text=View your policy")
    heading(page, f"Policy {number}")
    expect(page.locator("table.versions tbody tr")).to_have_count(2)
    expect(page.get_by_text("Portable, Dell")).to_have_count(1)
    expect(page.get_by_text("Desktop, HP")).to_have_count(1)
    photographed(page, "8b-policy-changed", "the policy after the change")
    # When they cancel it from today, they see the refund before confirming
    page.click("text=Cancel this policy")
    heading(page, "Cancel your policy")
    page.click("text=Continue")
    page.locator("#reason-error").wait_for()
    photographed(page, "9-cancel-errors", "the cancellation page with an error")
    page.check("input[name=reason][value=item_sold_or_lost]")
    page.click("text=Continue")
    heading(page, "Check your refund")
    refund = page.locator("#refund").inner_text()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", refund)
    photographed(page, "10-cancel-check", "the refund preview")
    page.click("text=Cancel my policy")
    page.locator("#refund-done").wait_for()
    assert refund in page.locator("#refund-done").inner_text()
    photographed(page, "11-cancelled", "the cancellation")
    # And their details: a new phone number is saved
    page.click("text=Your details")
    heading(page, "Your details")
    page.click("text=Change your details")
    page.fill("#phone", "+1 212 555 0199")
    photographed(page, "12-details-form", "the details form")
    page.click("text=Save")
    page.get_by_text("Your details have been saved.").wait_for()
    expect(page.get_by_text("+1 212 555 0199")).to_have_count(1)
    photographed(page, "13-details", "the details")
    # The card number never reached the platform's API, only the processor's tokens did
    assert not any(GOOD_CARD in body for body in sent_to_api)
    assert console.errors == []
    assert console.csp == []
    assert set(console.network) <= {401}  # the wrong password, the run-out access token
    page.context.close()


def test_a_locked_account_says_when_to_try_again_and_a_reset_code_opens_it(cloud, chromium):
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    session = Session(cloud)
    assert session.call("POST", "/accounts", json={"email": email, "password": PASSWORD}).status_code == 201
    page, console = open_page(chromium, bypass_csp=False)
    page.goto(f"{cloud.url}/account/sign-in")
    heading(page, "Sign in to your account")
    # When five wrong passwords are typed in a row
    # (each attempt's answer is waited for: the previous attempt's error summary is still on the page)
    for attempt in range(5):
        with page.expect_response(lambda r: r.url.endswith("/auth/login") and r.request.method == "POST") as answer:
            sign_in(page, email, f"wrong password {attempt}")
        assert answer.value.status in (401, 423)
    # Then the page says the account is locked and when to try again (the cloud locks for 2 seconds)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Your account is locked")
    assert re.search(r"Try again in [12] seconds? \(after \d\d:\d\d UTC\)", summary.inner_text())
    photographed(page, "14-locked", "the locked account")
    # When they reset their password with the code e-mailed to them
    summary.get_by_role("link", name="Reset your password").click()
    heading(page, "Reset your password")
    photographed(page, "14b-reset", "the password reset page")
    page.fill("#email", email)
    page.click("text=Send me a code")
    heading(page, "Check your email")
    code = re.search(r"Your code is (\d{6})", delivered(cloud, email, "Your password reset code")[0]["body"]).group(1)
    page.fill("#code", code)
    page.fill("#new-password", "a brand new passphrase")
    photographed(page, "15-reset-code", "the reset code page")
    page.click("text=Change password")
    # Then they sign in with the new password
    page.get_by_text("Your password has been changed").wait_for()
    assert_accessible(page, "the password changed")
    sign_in(page, email, "a brand new passphrase")
    heading(page, "Your policies")
    expect(page.get_by_text("You have no policies yet")).to_be_visible()
    assert_accessible(page, "no policies yet")
    # And an account address that is no page says so
    page.goto(f"{cloud.url}/account/no-such-page")
    heading(page, "Page not found")
    assert_accessible(page, "the page not found")
    assert console.errors == []
    assert console.csp == []
    assert set(console.network) <= {401, 423}
    page.context.close()
