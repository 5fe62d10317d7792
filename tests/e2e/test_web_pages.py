"""Every page of the web client under its real Content-Security-Policy (no inline code, nothing from elsewhere):
it opens without a CSP violation or console error; and the back office registers an insurer, a scanner and a tag
whose QR URL opens the report page."""

from __future__ import annotations

import uuid

from tests.e2e.browser import assert_accessible, open_page, shoot

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
    page, console = open_page(chromium)
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
    # An insurer: its webhook secret is shown once
    page.click("text=Register an insurer")
    page.fill("#insurer-name", "Web Test Mutual")
    page.fill("#insurer-url", "https://claims.web-test.example/v1")
    page.fill("#sales-name", "Sally Sales")
    page.fill("#sales-email", "sally@web-test.example")
    page.fill("#sales-phone", "+12125550123")
    page.click("text=Register insurer")
    page.locator("#insurer-created .secret").nth(1).wait_for()
    assert page.locator("#insurer-created .secret").nth(1).inner_text().startswith("whsec_")
    # A scanner: its secret is shown once
    page.fill("#device-name", "Front desk")
    page.click("text=Register scanner")
    page.locator("#device-created .secret").nth(1).wait_for()
    assert page.locator("#device-created .secret").nth(1).inner_text().startswith("whsec_")
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
    link.click()
    page.get_by_role("heading", level=1, name="Report a problem with this item").wait_for()
    assert console.errors == []
    assert set(console.network) <= {401}
    page.context.close()
