"""Every page of the web client under its real Content-Security-Policy (no inline code, nothing from elsewhere):
it opens without a CSP violation or console error; the pages seen only for a moment (waiting for a decision) or when
the service fails pass axe-core too; and the back office, under that CSP too, registers an insurer
(listed at once, and offered in the tag form), a scanner (and rotates its secret) and a tag on a product named in
words, whose QR URL opens the report page."""

from __future__ import annotations

import uuid

from tests.e2e.browser import PHONE, answer_every_question, assert_accessible, open_page, shoot

LONG_URL = "https://claims.web-test.example/v1/partner-integrations/property-and-casualty/claims-intake"

PAGES = {
    "/": "Get an instant quote",
    "/t/TAG-csp-check": "Report a problem with this item",
    "/admin": "Back office",
    "/account": "Sign in to your account",
    "/account/reset-password": "Reset your password",
}


def test_every_page_works_under_its_strict_content_security_policy(cloud, chromium):
    page, console = open_page(chromium, bypass_csp=False)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path, title in PAGES.items():
        response = page.goto(f"{cloud.url}{path}")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.get_by_role("heading", level=1, name=title).wait_for()
        assert page.evaluate("() => window.__csp") == [], path
    # the page's own code reached the API, the card processor is allowed, nothing else
    assert console.errors == []
    page.context.close()


def test_the_account_page_asks_a_signed_out_person_to_sign_in(cloud, chromium):
    page, console = open_page(chromium)
    page.goto(f"{cloud.url}/account/policies/POL-NOT-SIGNED-IN")
    page.get_by_role("heading", level=1, name="Sign in to your account").wait_for()
    assert_accessible(page, "the sign-in page")
    assert console.errors == []
    page.context.close()


def test_the_back_office_registers_an_insurer_a_scanner_and_a_tag(cloud, chromium):
    page, console = open_page(chromium, bypass_csp=False)
    page.goto(f"{cloud.url}/admin")
    page.get_by_role("heading", level=1, name="Back office").wait_for()
    assert_accessible(page, "the back office sign-in")
    # A wrong key is refused next to the field
    page.fill("#admin-key", "not-the-key")
    page.click("text=Sign in")
    page.locator("#admin-key-error").wait_for()
    page.fill("#admin-key", cloud.admin_key)
    page.click("text=Sign in")
    page.get_by_role("heading", level=2, name="Insurers").wait_for()
    assert page.get_by_role("cell", name="Acme Mutual", exact=True).count() == 1
    assert_accessible(page, "the back office, signed in")
    # The tag form's products are named as the catalog names them, not by their codes
    catalog = cloud.http.get(f"{cloud.url}/products").json()["products"]
    assert page.locator("#tag-product option").all_inner_texts() == [p["title"] for p in catalog]
    assert page.locator("#tag-product option").evaluate_all("os => os.map(o => o.value)") == [
        p["product"] for p in catalog
    ]
    # An insurer: its webhook secret is shown once, and it joins the list and the tag form without a reload
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click("text=Register an insurer")
    page.fill("#insurer-name", "Web Test Mutual")
    page.fill("#insurer-url", LONG_URL)
    page.fill("#sales-name", "Sally Sales")
    page.fill("#sales-email", "sally@web-test.example")
    page.fill("#sales-phone", "+12125550123")
    page.fill("#tag-id", "typed before the insurer was registered")
    page.click("text=Register insurer")
    page.locator("#insurer-created .secret").nth(1).wait_for()
    assert page.locator("#insurer-created .secret").nth(1).inner_text().startswith("whsec_")
    page.get_by_role("cell", name="Web Test Mutual", exact=True).wait_for()
    page.get_by_label("Policy number with Web Test Mutual").wait_for()
    assert page.evaluate("() => window.__sameDocument") is True
    assert page.input_value("#tag-id") == "typed before the insurer was registered"
    # its claims API URL may wrap only after a separator, never inside a word
    url = page.locator("tr", has_text="Web Test Mutual").locator("code.url")
    assert url.inner_text() == LONG_URL and url.locator("wbr").count() == sum(map(LONG_URL.count, "/.-"))
    # A scanner: its secret is shown once; rotated, a new one is shown once
    page.fill("#device-name", "Front desk")
    page.click("text=Register scanner")
    page.locator("#device-created .secret").nth(1).wait_for()
    device_id = page.locator("#device-created .secret").nth(0).inner_text()
    first_secret = page.locator("#device-created .secret").nth(1).inner_text()
    assert first_secret.startswith("whsec_")
    page.click("text=Rotate a scanner's secret")
    page.fill("#rotate-device-id", "dev_unknown")
    page.click("text=Rotate secret")
    page.get_by_text("There is no scanner with this id").first.wait_for()
    page.fill("#rotate-device-id", device_id)
    page.click("text=Rotate secret")
    page.locator("#device-rotated .secret").nth(1).wait_for()
    rotated = page.locator("#device-rotated .secret").nth(1).inner_text()
    assert rotated.startswith("whsec_") and rotated != first_secret
    assert page.locator("#rotate-device-id-error, .error-summary").count() == 0  # the refusal is gone
    # A tag covered by one insurer; its QR URL opens the report page
    tag_id = f"TAG-admin-{uuid.uuid4().hex[:6]}"
    page.fill("#tag-id", tag_id)
    page.fill("#object-description", "Dell XPS 13 laptop")
    page.fill("#customer-name", "Ada Lovelace")
    page.fill("#customer-phone", "+12125550100")
    page.locator("input[id^=policy-]").first.fill(f"POL-{tag_id}")
    page.click("text=Register tag")
    link = page.locator("#tag-created a")
    link.wait_for()
    assert link.get_attribute("href").endswith(f"/t/{tag_id}")
    assert_accessible(page, "the back office")
    shoot(page, "admin")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "the back office on a phone")
    shoot(page, "admin-phone")
    link.click()
    page.get_by_role("heading", level=1, name="Report a problem with this item").wait_for()
    assert console.errors == [] and console.csp == []
    assert set(console.network) <= {401, 404}
    page.context.close()


def test_the_waiting_and_problem_pages_are_accessible(cloud, chromium):
    """The pages a person sees only for a moment (waiting for the decision) or when the service fails are held on
    screen here, by holding or failing the API's answer, and checked like every other page."""
    page, console = open_page(chromium, bypass_csp=False)
    held: list = []

    def hold(route) -> None:
        held.append(route)

    page.route("**/applications/*/submit", hold)
    # Given a person who has answered every question
    answer_every_question(page, cloud.url, first_name="Grace", last_name="Hopper", email="grace@example.com")
    # When they submit and the decision takes its time, Then the waiting page says so, accessibly
    page.click("text=Submit application")
    page.get_by_role("heading", level=1, name="We are checking your application").wait_for()
    assert page.get_by_role("status").inner_text() == "This usually takes a few seconds."
    assert_accessible(page, "the waiting page")
    # When the service then fails, Then the problem page says what happened, accessibly
    for _ in range(200):  # the submit request reaches the route as the page waits (not a timing check)
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "Try again shortly."}
    held[0].fulfill(status=503, content_type="application/problem+json", json=problem)
    page.get_by_role("heading", level=1, name="Sorry, there is a problem with the service").wait_for()
    assert "Try again shortly." in page.locator("main").inner_text()
    assert_accessible(page, "the problem page")
    assert console.csp == []
    # the failed answer the test made, and nothing else
    assert console.errors == [
        "Failed to load resource: the server responded with a status of 503 (Service Unavailable)"
    ]
    page.context.close()
