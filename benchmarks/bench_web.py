"""The web client's first load, in Debian's Chromium (Playwright, headless) on an in-process local cloud, for the
purchase page on a desktop viewport and the report page on a 360×640 phone: the JavaScript and CSS each page loads
until its form is usable (gzipped, as CloudFront serves them), and the time from navigation to that usable form
(the page's own `performance.mark`, set when the form is on screen with the products or the tag loaded), each
load in a fresh browser context (empty cache). Targets: ≤ 100 KB gzipped; ≤ 1 s to a usable form."""

from __future__ import annotations

import gzip
import os
import statistics
from dataclasses import dataclass

RUNS = int(os.environ.get("BENCH_WEB_RUNS", "9"))
CHROMIUM = "/usr/bin/chromium"
SIZE_TARGET_KB, TIME_TARGET_MS = 100, 1000


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    mark: str  # the page's `performance.mark` once its form is usable
    phone: bool


PAGES = (
    Page("purchase (`/`, quote form with the products loaded), 1100×900", "/", "quote-form-ready", phone=False),
    Page("report (`/t/{tag_id}`), phone 360×640", "/t/TAG-bench", "report-form-ready", phone=True),
)


def _opened(browser, page: Page):
    viewport = {"width": 360, "height": 640} if page.phone else {"width": 1100, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=page.phone, has_touch=page.phone)
    return context, context.new_page()


def _wait_ready(tab, mark: str) -> float:
    tab.wait_for_function(f"() => performance.getEntriesByName('{mark}').length > 0")
    return float(tab.evaluate(f"() => performance.getEntriesByName('{mark}')[0].startTime"))


@dataclass(frozen=True)
class Size:
    """The scripts and stylesheets a page loaded until its form was usable."""

    raw: int
    gzipped: int
    files: tuple[str, ...]


def _first_load_bytes(browser, url: str, page: Page) -> Size:
    context, tab = _opened(browser, page)
    bodies: dict[str, bytes] = {}

    def keep(response) -> None:
        if response.request.resource_type in ("script", "stylesheet"):
            bodies[response.url] = response.body()

    tab.on("response", keep)
    tab.goto(url + page.path)
    _wait_ready(tab, page.mark)
    context.close()
    return Size(
        raw=sum(len(b) for b in bodies.values()),
        gzipped=sum(len(gzip.compress(b, compresslevel=6)) for b in bodies.values()),
        files=tuple(sorted(u.rsplit("/", 1)[-1] for u in bodies)),
    )


def _ready_ms(browser, url: str, page: Page) -> float:
    context, tab = _opened(browser, page)
    tab.goto(url + page.path)
    ready = _wait_ready(tab, page.mark)
    context.close()
    return ready


def _row(page: Page, size: Size, samples: list[float]) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    return (
        f"| {page.label} | **{size.gzipped / 1024:.1f} KB** ({size.raw / 1024:.1f} KB raw: {', '.join(size.files)}) | "
        f"{'yes' if size.gzipped <= SIZE_TARGET_KB * 1024 else 'NO'} | {median:.0f} ms | {ordered[0]:.0f} ms | "
        f"{ordered[-1]:.0f} ms | {'yes' if median <= TIME_TARGET_MS else 'NO'} |"
    )


def run() -> str:
    from playwright.sync_api import sync_playwright

    from local.cloud import LocalCloud
    from local.components import default_components

    cloud = LocalCloud(port=0, components=default_components()).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                sizes = [_first_load_bytes(browser, cloud.url, page) for page in PAGES]
                for page in PAGES:
                    _ready_ms(browser, cloud.url, page)  # warm the functions
                times = [[_ready_ms(browser, cloud.url, page) for _ in range(RUNS)] for page in PAGES]
            finally:
                browser.close()
    finally:
        cloud.stop()
    return "\n".join(
        [
            "## Web client first load (Chromium, local cloud)",
            "",
            "JavaScript and CSS loaded until the form is usable (gzipped, as CloudFront serves them; target "
            f"≤ {SIZE_TARGET_KB} KB), and the time from navigation to a usable form, {RUNS} loads each in a fresh "
            f"context (empty cache; target ≤ {TIME_TARGET_MS / 1000:.0f} s):",
            "",
            f"| page | JavaScript and CSS | ≤ {SIZE_TARGET_KB} KB | median | best | worst | ≤ 1 s |",
            "|---|---|---|---|---|---|---|",
            *(_row(page, size, samples) for page, size, samples in zip(PAGES, sizes, times, strict=True)),
            "",
        ]
    )
