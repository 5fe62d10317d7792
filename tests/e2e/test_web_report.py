"""Reporting from a tag's QR code on a phone (360×640) in a real browser, on the running local cloud: a finder
reports with the browser's location, gets guidance that changes as they add facts and watches each of the owner's
two insurers progress live (statuses only); the owner reports and watches each of their two insurers progress live
over the WebSocket."""

from __future__ import annotations

import uuid

import pytest

from scripts.demo_risk import registered_insurers
from tests.e2e.browser import assert_accessible, open_page, shoot

OWNER = {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com"}
NEW_YORK = {"latitude": 40.7484, "longitude": -73.9857, "accuracy": 12}


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
    return open_page(chromium, phone=True, geolocation=NEW_YORK, permissions=["geolocation"])


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
    page.click("main button[type=submit]")
    page.check("input[name=event_type][value=found]")
    page.check("input[name=injuries][value=no]")
    assert fits_the_phone(page)
    shoot(page, "report-2-what")
    page.click("text=Send report")
    # Then they are told the owner knows, with guidance at once
    page.get_by_role("heading", level=1, name="Thank you, we have told the owner").wait_for()
    assert '"share_contact_with_insurers":true' in reports[0]
    first = page.locator("#guidance li").all_inner_texts()
    assert first
    # And they watch each of the owner's two insurers, by name, progress live (statuses only, not the claims)
    page.get_by_role("heading", level=2, name="The owner's insurers").wait_for()
    watch_statuses(page)
    page.wait_for_function(
        "() => Object.keys(window.__seen).length === 2"
        " && Object.values(window.__seen).some(history => history.length >= 2)",
        timeout=60_000,
    )
    assert set(page.evaluate("() => window.__seen")) == set(tag["insurer_ids"])
    shown = page.locator("#insurers").inner_text()
    assert "Acme Mutual" in shown and "Harbor Insurance" in shown
    assert "POL-" not in shown and "claim" not in shown.lower()  # neither the owner's policies nor claim references
    assert page.get_attribute("#live-status", "data-mode") in ("websocket", "done")
    assert fits_the_phone(page)
    assert_accessible(page, "the finder's event")
    shoot(page, "report-3-finder-guidance")
    # When they add that they can see smoke
    page.check("input[name=smoke_visible][value=yes]")
    page.click("text=Send update")
    page.get_by_text("the advice has been updated").wait_for()
    # Then the guidance changes with it
    assert page.locator("#guidance li").all_inner_texts() != first
    assert console.errors == []
    page.context.close()


def test_the_owner_watches_two_insurers_progress_live_over_the_websocket(cloud, chromium, tag):
    page, console = phone_page(chromium)
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if r.method == "GET" and "/risk-events/" in r.url else None)
    page.goto(f"{cloud.url}/t/{tag['tag_id']}")
    # Given the owner, recognised by the phone number on their policy, who types where they are
    page.check("input[name=who][value=owner]")
    page.fill("#reporter-name", OWNER["name"])
    page.fill("#reporter-phone", "+1 212 555 0100")
    page.click("text=Continue")
    page.fill("#place", "Grand Central Terminal, main concourse")
    page.click("main button[type=submit]")
    page.check("input[name=event_type][value=theft]")
    page.click("text=Send report")
    page.get_by_role("heading", level=1, name="Your report is in").wait_for()
    # Then each insurer's progress arrives over the WebSocket and is shown as it happens
    page.wait_for_selector("#live-status[data-mode=websocket], #live-status[data-mode=done]")
    watch_statuses(page)
    # each changed on the page while watched (e.g. received -> assessing), live
    page.wait_for_function(
        "() => Object.keys(window.__seen).length === 2"
        " && Object.values(window.__seen).every(history => history.length >= 2)",
        timeout=60_000,
    )
    seen = page.evaluate("() => window.__seen")
    shoot(page, "report-5-owner-live")
    assert set(seen) == set(tag["insurer_ids"])
    assert all(len(history) >= 2 for history in seen.values()), seen
    # by the socket: the page read the event once and never fell back to polling
    assert page.get_attribute("#live-status", "data-mode") in ("websocket", "done")
    assert len(reads) == 1, reads
    assert_accessible(page, "the owner's event")
    assert console.errors == []
    page.context.close()
