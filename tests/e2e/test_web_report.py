"""Reporting from a tag's QR code on a phone (360×640) in a real browser under the client's real
Content-Security-Policy, on the running local cloud: a finder reports with the browser's location, gets guidance
that changes as they add facts and watches each of the owner's two insurers progress live (statuses only); the owner
reports and watches each of their two insurers progress live over the WebSocket, or by polling when the socket
fails. The page says the owner or an insurer was told only once the event shows it; times read one way, in UTC;
axe-core checks every step."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from scripts.demo_risk import registered_insurers
from tests.e2e.browser import assert_accessible, open_page, shoot

OWNER = {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com"}
NEW_YORK = {"latitude": 40.7484, "longitude": -73.9857, "accuracy": 12}
CATEGORIES = {
    *("Your safety", "Protect the scene", "Police and emergency services"),
    *("Keep a record", "Your insurers", "Good to know"),
}  # the guidance's kinds of advice, in words
UPDATED = re.compile(
    r"Updated \d{1,2} (January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}, \d\d:\d\d UTC"
)
CLAIMS_DONE_TOO_SOON = ("have been told", "has been told", "alerted", "we have told")


@pytest.fixture
def tag(cloud) -> dict:
    """A new QR tag on a laptop covered by two of the simulated insurers (one incident per test)."""
    insurers = registered_insurers(cloud.http, cloud.url, cloud.admin_key, at_least=3)
    by_name = {i["name"]: i["insurer_id"] for i in insurers}
    ids = [by_name["Acme Mutual"], by_name["Harbor Insurance"]]
    tag_id = f"TAG-web-{uuid.uuid4().hex[:8]}"
    body = {
        "tag_id": tag_id,
        "kind": "qr",
        "object": {"description": "Dell XPS 13 laptop"},
        "customer": OWNER,
        "policies": [
            {"insurer_id": i, "policy_number": f"POL-{n}-{tag_id}", "product": "computer"} for n, i in enumerate(ids)
        ],
    }
    created = cloud.http.post(f"{cloud.url}/tags", json=body, headers=cloud.admin())
    assert created.status_code == 201, created.text
    return {"tag_id": tag_id, "insurer_ids": ids}


def phone_page(chromium):
    """A phone under the client's real CSP (violations are recorded in `console.csp`)."""
    return open_page(chromium, phone=True, bypass_csp=False, geolocation=NEW_YORK, permissions=["geolocation"])


def report_as_owner(page, cloud, tag) -> None:
    """The owner, recognised by the phone number on their policy, reports a theft, typing where they are."""
    page.goto(f"{cloud.url}/t/{tag['tag_id']}")
    page.check("input[name=who][value=owner]")
    page.fill("#reporter-name", OWNER["name"])
    page.fill("#reporter-phone", "+1 212 555 0100")
    page.click("text=Continue")
    page.fill("#place", "Grand Central Terminal, main concourse")
    page.click("main button[type=submit]")
    page.check("input[name=event_type][value=theft]")
    page.click("text=Send report")
    page.get_by_role("heading", level=1, name="Your report is in").wait_for()


def both_insurers_progress(page) -> dict:
    """Waits until each of the two insurers changed on the page while watched (e.g. received -> assessing)."""
    page.wait_for_function(
        "() => Object.keys(window.__seen).length === 2"
        " && Object.values(window.__seen).every(history => history.length >= 2)",
        timeout=60_000,
    )
    return page.evaluate("() => window.__seen")


def progress_said(page) -> tuple[bool, str]:
    """At one instant: whether the finder's guidance states that the owner was told, and what the page says done."""
    told, said = page.evaluate(
        "() => [!!document.querySelector('#guidance li[data-rule=third-party-owner-notified]'),"
        " document.getElementById('report-progress').textContent]"
    )
    return told, said


def shows_one_time_format(page) -> None:
    """Every time on the page reads "3 December 2026, 10:08 UTC" (the deadlines' format), never the browser's."""
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(AM|PM)\b|\d{4}-\d\d-\d\dT", text), text
    assert UPDATED.search(text), text


def watch_statuses(page) -> None:
    """Each insurer's statuses as the page shows them, recorded in the page by a MutationObserver (no sampling)."""
    page.evaluate(
        """() => {
            window.__seen = {};
            const record = () => document.querySelectorAll('#insurers li').forEach(li => {
                const history = (window.__seen[li.dataset.insurer] ??= []);
                if (history[history.length - 1] !== li.dataset.status) history.push(li.dataset.status);
            });
            record();
            new MutationObserver(record).observe(document.querySelector('main'),
                {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});
        }"""
    )


def fits_the_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_finder_reports_from_a_phone_and_gets_guidance_that_follows_the_facts(cloud, chromium, tag):
    page, console = phone_page(chromium)
    # Given a stranger who scanned the tag's QR code
    page.goto(f"{cloud.url}/t/{tag['tag_id']}")
    page.get_by_role("heading", level=1, name="Report a problem with this item").wait_for()
    assert fits_the_phone(page)
    assert_accessible(page, "the report page")
    shoot(page, "report-1-who")
    # When they say it is not theirs, share their location and say they found it
    page.check("input[name=who][value=finder]")
    page.fill("#reporter-name", "Sam Finder")
    page.fill("#reporter-phone", "+1 646 555 0199")
    page.check("input[name=share-contact][value=yes]")  # and agree that the insurers may contact them
    reports: list[str] = []
    page.on("request", lambda r: reports.append(r.post_data or "") if r.url.endswith("/risk-events") else None)
    page.click("text=Continue")
    page.get_by_role("heading", level=1, name="Where are you?").wait_for()
    page.click("#use-location")
    page.get_by_text("Location shared").wait_for()
    assert_accessible(page, "the location page")
    shoot(page, "report-1-where")
    page.click("main button[type=submit]")
    # The question under the page's heading does not repeat it
    page.get_by_role("heading", level=1, name="What happened?").wait_for()
    assert page.get_by_text("What happened?", exact=True).count() == 1
    assert_accessible(page, "the what-happened page")
    page.check("input[name=event_type][value=found]")
    page.check("input[name=injuries][value=no]")
    assert fits_the_phone(page)
    shoot(page, "report-2-what")
    page.click("text=Send report")
    # Then their report is in, with guidance at once, and the page says the owner was told only once it was
    page.get_by_role("heading", level=1, name="Thank you, your report is in").wait_for()
    assert '"share_contact_with_insurers":true' in reports[0]
    first = page.locator("#guidance li").all_inner_texts()
    assert first
    told, said = progress_said(page)
    assert ("We have told the owner." in said) is told and ("We are telling the owner now." in said) is not told
    if not told:
        assert not any(claim in said.lower() for claim in CLAIMS_DONE_TOO_SOON), said
    # And each kind of advice is headed in words, not the category's code
    assert set(page.locator("#guidance .category").all_inner_texts()) <= CATEGORIES
    # And they watch each of the owner's two insurers, by name, progress live (statuses only, not the claims)
    page.get_by_role("heading", level=2, name="The owner's insurers").wait_for()
    watch_statuses(page)
    seen = both_insurers_progress(page)
    assert set(seen) == set(tag["insurer_ids"])
    shown = page.locator("#insurers").inner_text()
    assert "Acme Mutual" in shown and "Harbor Insurance" in shown
    assert "POL-" not in shown and "claim" not in shown.lower()  # neither the owner's policies nor claim references
    assert page.get_attribute("#live-status", "data-mode") in ("websocket", "done")
    expect(page.locator("#report-progress")).to_contain_text("have the owner's claim.")
    shows_one_time_format(page)
    # When the owner's message is delivered, the finder's guidance says so, with its time in words
    told_step = page.locator("#guidance li[data-rule=third-party-owner-notified]")
    told_step.wait_for(timeout=60_000)
    assert re.fullmatch(
        r"Good to know\s*We told the owner on \d{1,2} \w+ \d{4}, \d\d:\d\d UTC that you reported this\.",
        told_step.inner_text(),
    ), told_step.inner_text()
    expect(page.locator("#report-progress")).to_contain_text("We have told the owner.")
    assert fits_the_phone(page)
    assert_accessible(page, "the finder's event")
    shoot(page, "report-3-finder-guidance")
    # When they add that they can see smoke
    page.check("input[name=smoke_visible][value=yes]")
    page.click("text=Send update")
    page.get_by_text("the advice has been updated").wait_for()
    # Then the guidance changes with it
    assert page.locator("#guidance li").all_inner_texts() != first
    assert_accessible(page, "the finder's event after an update")
    assert console.errors == [] and console.csp == []
    page.context.close()


def test_the_owner_watches_two_insurers_progress_live_over_the_websocket(cloud, chromium, tag):
    page, console = phone_page(chromium)
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if r.method == "GET" and "/risk-events/" in r.url else None)
    # Given the owner, recognised by the phone number on their policy, who types where they are
    report_as_owner(page, cloud, tag)
    # Then the page says what is being done, not that it is done
    said = page.locator("#report-progress").inner_text()
    assert said and not any(claim in said.lower() for claim in CLAIMS_DONE_TOO_SOON), said
    # And each insurer's progress arrives over the WebSocket and is shown as it happens
    page.wait_for_selector("#live-status[data-mode=websocket], #live-status[data-mode=done]")
    watch_statuses(page)
    seen = both_insurers_progress(page)
    assert set(seen) == set(tag["insurer_ids"])
    expect(page.locator("#report-progress")).to_contain_text("have your claim.")
    # with each insurer's note as a person there wrote it, and every time in one format
    expect(page.locator("#insurers li", has_text="Acme Mutual").locator(".note")).to_have_text(
        re.compile(r"^Acme Mutual: (we|your) .*claim")  # Acme Mutual pushes its progress with a note
    )
    notes = page.locator("#insurers .note").all_inner_texts()
    assert not [n for n in notes if re.search(r"pushed|: (received|assessing|approved|denied|paid|closed)$", n)]
    shows_one_time_format(page)
    shoot(page, "report-5-owner-live")
    # by the socket: the page read the event, and once more after subscribing (what changed in between), and
    # never fell back to polling
    assert page.get_attribute("#live-status", "data-mode") in ("websocket", "done")
    assert len(reads) == 2, reads
    assert_accessible(page, "the owner's event")
    assert console.errors == [] and console.csp == []
    page.context.close()


def test_when_the_websocket_fails_the_page_polls_and_both_insurers_still_progress(cloud, chromium, tag):
    page, console = phone_page(chromium)
    # Given a network where every WebSocket is closed as soon as it opens
    page.route_web_socket(re.compile(".*"), lambda socket: socket.close())
    # When the owner reports
    report_as_owner(page, cloud, tag)
    # Then the page falls back to reading the event every few seconds
    page.wait_for_selector("#live-status[data-mode=polling]")
    watch_statuses(page)
    # And both insurers still progress on the page
    seen = both_insurers_progress(page)
    assert set(seen) == set(tag["insurer_ids"])
    assert page.get_attribute("#live-status", "data-mode") in ("polling", "done")
    expect(page.locator("#report-progress")).to_contain_text("have your claim.")
    assert_accessible(page, "the owner's event, polling")
    shoot(page, "report-4-polling")
    assert console.errors == [] and console.csp == []
    page.context.close()
