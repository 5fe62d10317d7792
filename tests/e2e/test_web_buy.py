"""Buying a policy in a real browser (Chromium through Playwright) on the running local cloud: the whole purchase
with the keyboard alone, a limit error corrected by re-entering a lower value, a decline with its reasons, a
declined card then a good one; the card goes to the card processor, never to the platform's API; axe-core finds
no serious or critical violation on any page; the pages run under the client's real Content-Security-Policy
without a violation; no console errors."""

from __future__ import annotations

import re

from tests.e2e.browser import (
    answer_every_question,
    assert_accessible,
    open_page,
    press_until,
    shoot_desktop_and_phone,
    tab_to,
)

GOOD_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"


def keyboard_type(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def keyboard_choose(page, name: str, value: str) -> None:
    """Tabs into a radio group and moves with the arrow keys until `value` is checked."""
    tab_to(page, f"input[name='{name}']")
    checked = f"input[name='{name}'][value='{value}']"
    page.keyboard.press("Space")
    press_until(page, "ArrowDown", lambda: page.is_checked(checked), limit=12)


def keyboard_select(page, selector: str, value: str) -> None:
    tab_to(page, selector)
    press_until(page, "ArrowDown", lambda: page.input_value(selector) == value, limit=60)


def submit(page) -> None:
    """Tabs to the page's submit button and presses Enter."""
    tab_to(page, "main button[type=submit], main button.button")
    page.keyboard.press("Enter")


def heading(page, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()


def reached(page, text: str) -> None:
    """The page titled `text` is on screen, and axe-core finds no serious or critical violation on it."""
    heading(page, text)
    assert_accessible(page, f"the page {text!r}")


def test_the_whole_purchase_with_the_keyboard_alone(cloud, chromium):
    page, console = open_page(chromium, bypass_csp=False)
    requests_to_api: list[str] = []
    page.on("request", lambda r: requests_to_api.append(r.post_data or "") if r.url.startswith(cloud.url) else None)
    # Given the purchase page
    page.goto(f"{cloud.url}/")
    reached(page, "Get an instant quote")
    shoot_desktop_and_phone(page, "buy-1-product")
    # When the person picks the computer product and New York, with the keyboard only
    keyboard_choose(page, "product", "computer")
    states = page.locator("#state option").all_inner_texts()[1:]  # by name, in alphabetical order
    assert "New York" in states and states == sorted(states) and "NY" not in states
    keyboard_select(page, "#state", "NY")
    submit(page)
    reached(page, "About what you want to insure")
    assert page.locator("main .lead").inner_text().startswith("Computer equipment in New York.")
    keyboard_choose(page, "item-kind", "portable")
    keyboard_type(page, "#item-brand", "Dell")
    # And asks for a quote on a value over the product's limit
    keyboard_type(page, "#item-value", "999999")
    submit(page)
    # Then the API's field error is shown next to the field, linked to it, and summarized above the form
    error = page.locator("#item-value-error")
    error.wait_for()
    assert "limit" in error.inner_text()
    assert "item-value-error" in (page.get_attribute("#item-value", "aria-describedby") or "")
    assert page.get_attribute("#item-value", "aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#item-value']").count() == 1
    assert_accessible(page, "the item page with an error")
    shoot_desktop_and_phone(page, "buy-2-limit-error")
    # When they re-enter a lower value
    keyboard_type(page, "#item-value", "1500")
    submit(page)
    # Then the instant quote shows
    quote = page.locator("#quote .premium")
    quote.wait_for()
    assert re.search(r"\$\d", quote.inner_text())
    assert page.locator("#item-value-error").count() == 0
    assert_accessible(page, "the item page with its quote")
    shoot_desktop_and_phone(page, "buy-3-quote")
    tab_to(page, "#quote button")
    page.keyboard.press("Enter")
    # And they answer one group of questions per page
    reached(page, "About you")
    keyboard_type(page, "#applicant-first_name", "Ada")
    keyboard_type(page, "#applicant-last_name", "Lovelace")
    tab_to(page, "#applicant-date_of_birth")
    page.keyboard.type("12101985")
    keyboard_type(page, "#applicant-occupation", "engineer")
    submit(page)
    reached(page, "How can we contact you?")
    keyboard_type(page, "#applicant-email", "ada@example.com")
    keyboard_type(page, "#applicant-phone", "+12125550100")
    submit(page)
    reached(page, "What is your address?")
    keyboard_type(page, "#address-line1", "1 Main St")
    keyboard_type(page, "#address-city", "New York")
    keyboard_type(page, "#address-zip", "10001")
    submit(page)
    # Then their answers are shown in words, in the order they were asked
    heading(page, "Check your answers")
    questions = page.locator(".summary-row dt").all_inner_texts()
    answers = dict(zip(questions, page.locator(".summary-row dd:not(.summary-action)").all_inner_texts(), strict=True))
    assert questions.index("Kind") < questions.index("Brand") < questions.index("Value")
    assert (answers["Kind"], answers["Brand"], answers["Value"]) == ("Portable", "Dell", "$1,500.00")
    assert answers["Date of birth"] == "10 December 1985"
    assert answers["Product"] == "Computer equipment in New York"
    assert answers["Address"] == "1 Main St, New York, NY 10001"
    assert "1985-12-10" not in page.locator("main").inner_text()
    assert_accessible(page, "check your answers")
    shoot_desktop_and_phone(page, "buy-4-check")
    submit(page)
    # Then they are offered cover, read the terms and accept them
    heading(page, "You can be covered")
    reasons = page.locator("#offer-reasons li").all_inner_texts()
    assert "Portable computers are carried about, so they are dropped, spilled on and stolen more often." in reasons
    assert "Portable and handheld equipment in a state with high reported electronics theft." in reasons
    assert not any("CMP-" in r for r in reasons), reasons
    assert_accessible(page, "the offer")
    tab_to(page, "main button")
    page.keyboard.press("Enter")
    heading(page, "Read your policy terms")
    # as paragraphs that reflow to the page (the server's hard line breaks are gone), the items as a list
    page.locator(".terms ol li").first.wait_for()
    assert page.locator(".terms p").count() > 5 and page.locator(".terms pre").count() == 0
    assert_accessible(page, "the terms")
    shoot_desktop_and_phone(page, "buy-5-terms")
    submit(page)
    # And pay: a declined card first
    reached(page, "Pay by card")

    def card(number: str) -> None:
        keyboard_type(page, "#card-holder", "Ada Lovelace")
        keyboard_type(page, "#card-number", number)
        keyboard_type(page, "#card-exp-month", "12")
        keyboard_type(page, "#card-exp-year", "2030")
        keyboard_type(page, "#card-cvc", "123")
        submit(page)

    card(DECLINED_CARD)
    page.locator("#card-number-error").wait_for()
    assert "declined" in page.locator("#card-number-error").inner_text().lower()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, "the declined card")
    shoot_desktop_and_phone(page, "buy-6-card-declined")
    # then a good one
    card(GOOD_CARD)
    heading(page, "Your policy is issued")
    policy_number = page.locator("#policy-number").inner_text()
    assert policy_number
    assert_accessible(page, "the issued policy")
    shoot_desktop_and_phone(page, "buy-7-issued")
    # And the policy document downloads as a PDF
    with page.expect_download() as download:
        tab_to(page, "#document-link")
        page.keyboard.press("Enter")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    # The card number never reached the platform's API: only the processor's token did
    assert not any(GOOD_CARD in body or DECLINED_CARD in body for body in requests_to_api)
    assert any('"payment_token"' in body for body in requests_to_api)
    assert console.errors == []
    assert console.csp == []
    assert set(console.network) <= {422, 402}
    page.context.close()


def test_a_decline_shows_its_reasons_and_the_person_can_change_an_answer(cloud, chromium):
    page, console = open_page(chromium, bypass_csp=False)
    # a typo in the date of birth: the rulebook declines minors
    answer_every_question(
        page,
        cloud.url,
        first_name="Grace",
        last_name="Hopper",
        born="2016-12-09",
        email="grace@example.com",
        phone="+12125550101",
        street="2 Main St",
    )
    page.click("text=Submit application")
    # Then the decision says why, in sentences, and never shows the rulebook's internal ids
    heading(page, "We cannot offer you cover")
    reasons = page.locator(".reasons li").all_inner_texts()
    assert "The applicant must be at least 18 years old." in reasons
    assert not any("CMP-" in r or "rule" in r.lower() for r in reasons), reasons
    assert_accessible(page, "the decline")
    shoot_desktop_and_phone(page, "buy-declined")
    # When they correct their date of birth and apply again
    page.click("text=Change your answers")
    heading(page, "Check your answers")
    page.get_by_role("link", name="Change date of birth").click()
    heading(page, "About you")
    page.fill("#applicant-date_of_birth", "1976-12-09")
    for _ in range(3):
        page.click("main button[type=submit]")
    heading(page, "Check your answers")
    page.click("text=Submit application")
    # Then the same application is offered
    heading(page, "You can be covered")
    assert console.errors == []
    assert console.csp == []
    page.context.close()
