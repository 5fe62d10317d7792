"""The browser side of the web client's tests: Playwright driving Debian's Chromium (`/usr/bin/chromium`, launched
by its path, headless; browser downloads are not possible here and `playwright install` is never run), a page
that records console errors, axe-core injected into the page, keyboard helpers and screenshots."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 640}
# Chrome logs every HTTP error answer as "Failed to load resource"; the pages expect some (a 422 field error, a
# 402 declined card) and handle them. Any other console error fails the test.
EXPECTED_NETWORK_ERROR = re.compile(r"^Failed to load resource: the server responded with a status of (4\d\d)")


def screenshots_dir() -> Path:
    """`WEB_SCREENSHOTS` (make screenshots: docs/screenshots, committed) or a temporary directory."""
    chosen = os.environ.get("WEB_SCREENSHOTS")
    path = Path(chosen) if chosen else Path(tempfile.gettempdir()) / "web-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_build() -> None:
    missing = [p for p in (DIST / "index.html", AXE, Path(CHROMIUM)) if not p.exists()]
    if missing:
        message = f"the web client's browser tests need {', '.join(map(str, missing))}: run `make web chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Console:
    """What the page printed as errors, and the HTTP error statuses Chrome logged for answers the page handles."""

    errors: list[str] = field(default_factory=list)
    network: list[int] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def record(self, message: Any) -> None:
        if message.type != "error":
            return
        found = EXPECTED_NETWORK_ERROR.match(message.text)
        if found:
            self.network.append(int(found.group(1)))
        else:
            self.errors.append(message.text)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One browser per test worker, as the local cloud is (each test opens its own context, so nothing is shared
    between tests but the browser process); Playwright's sync API allows one running instance per thread."""
    require_build()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def open_page(chromium: Any, *, phone: bool = False, bypass_csp: bool = True, **options: Any) -> tuple[Any, Console]:
    """A page in a fresh context. With `bypass_csp=False` the client's real Content-Security-Policy is enforced and
    every violation it reports, on any page the context opens, is recorded in `Console.csp`."""
    viewport = PHONE if phone else {"width": 1100, "height": 900}
    context = chromium.new_context(
        viewport=viewport,
        locale="en-US",
        timezone_id="America/New_York",
        bypass_csp=bypass_csp,
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
        **options,
    )
    context.set_default_timeout(15_000)
    console = Console()
    if not bypass_csp:
        # (a lambda: Playwright marks the handler, which a bound built-in method cannot take)
        context.expose_function("__cspViolation", lambda violation: console.csp.append(violation))  # noqa: PLW0108
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));"
        )
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    return page, console


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now (WCAG 2.0-2.2 A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the driver, not an inline script: works under the real CSP
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {where}: {json.dumps(violations, indent=1)}"


def shoot(page: Any, name: str) -> Path:
    path = screenshots_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shoot_desktop_and_phone(page: Any, name: str) -> None:
    """A full-page screenshot at the page's desktop size and one at 360×640 (`name`-phone), where it must fit."""
    desktop = page.viewport_size
    shoot(page, name)
    page.set_viewport_size(PHONE)
    fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name} is wider than a phone"
    shoot(page, f"{name}-phone")
    page.set_viewport_size(desktop)


def tab_to(page: Any, selector: str, *, limit: int = 80, key: str = "Tab") -> None:
    """Presses Tab until the element matching `selector` has the focus: reachable with the keyboard alone."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} was not reached with {key} in {limit} presses")


def press_until(page: Any, key: str, done: Callable[[], bool], *, limit: int = 80) -> None:
    for _ in range(limit):
        if done():
            return
        page.keyboard.press(key)
    raise AssertionError(f"pressing {key} {limit} times did not get there")


def answer_every_question(
    page: Any,
    url: str,
    *,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    born: str = "1985-12-10",
    email: str = "ada@example.com",
    phone: str = "+12125550100",
    street: str = "1 Main St",
) -> None:
    """From the purchase page to "Check your answers": a portable Dell worth $1,500 in New York, for the person
    given (by mouse; the keyboard-only purchase has its own test)."""
    page.goto(f"{url}/")
    page.get_by_role("heading", level=1, name="Get an instant quote").wait_for()
    page.check("input[name=product][value=computer]")
    page.select_option("#state", "NY")
    page.click("text=Continue")
    page.check("input[name=item-kind][value=portable]")
    page.fill("#item-brand", "Dell")
    page.fill("#item-value", "1500")
    page.click("text=Get my quote")
    page.click("#quote button")
    page.fill("#applicant-first_name", first_name)
    page.fill("#applicant-last_name", last_name)
    page.fill("#applicant-date_of_birth", born)
    page.fill("#applicant-occupation", "engineer")
    page.click("text=Continue")
    page.fill("#applicant-email", email)
    page.fill("#applicant-phone", phone)
    page.click("text=Continue")
    page.fill("#address-line1", street)
    page.fill("#address-city", "New York")
    page.fill("#address-zip", "10001")
    page.click("text=Continue")
    page.get_by_role("heading", level=1, name="Check your answers").wait_for()
