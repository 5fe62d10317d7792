"""The web client's first load, in Debian's Chromium (Playwright, headless) on an in-process local cloud: the
JavaScript and CSS the purchase page loads (gzipped, as CloudFront serves them), and the time from navigation to
a usable form (the page's own `performance.mark`, set when the form is on screen with the products or the tag
loaded) for the purchase page on a desktop viewport and the report page on a 360×640 phone, each in a fresh
browser context (empty cache). Targets: ≤ 100 KB gzipped; ≤ 1 s to a usable form."""

from __future__ import annotations

import gzip
import os
import statistics

RUNS = int(os.environ.get("BENCH_WEB_RUNS", "9"))
CHROMIUM = "/usr/bin/chromium"


def _first_load_bytes(browser, url: str) -> tuple[int, int, list[str]]:
    context = browser.new_context()
    page = context.new_page()
    bodies: dict[str, bytes] = {}

    def keep(response) -> None:
        if response.request.resource_type in ("script", "stylesheet"):
            bodies[response.url] = response.body()

    page.on("response", keep)
    page.goto(url)
    page.wait_for_function("() => performance.getEntriesByName('quote-form-ready').length > 0")
    context.close()
    raw = sum(len(b) for b in bodies.values())
    zipped = sum(len(gzip.compress(b, compresslevel=6)) for b in bodies.values())
    return raw, zipped, sorted(u.rsplit("/", 1)[-1] for u in bodies)


def _ready_ms(browser, url: str, mark: str, *, phone: bool) -> float:
    viewport = {"width": 360, "height": 640} if phone else {"width": 1100, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(f"() => performance.getEntriesByName('{mark}').length > 0")
    ready = float(page.evaluate(f"() => performance.getEntriesByName('{mark}')[0].startTime"))
    context.close()
    return ready


def _row(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"| {label} | {statistics.median(ordered):.0f} ms | {ordered[0]:.0f} ms | {ordered[-1]:.0f} ms | "
        f"{'yes' if statistics.median(ordered) <= 1000 else 'NO'} |"
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
                raw, zipped, files = _first_load_bytes(browser, f"{cloud.url}/")
                _ready_ms(browser, f"{cloud.url}/", "quote-form-ready", phone=False)  # warm the functions
                buy = [_ready_ms(browser, f"{cloud.url}/", "quote-form-ready", phone=False) for _ in range(RUNS)]
                report_url = f"{cloud.url}/t/TAG-bench"
                report = [_ready_ms(browser, report_url, "report-form-ready", phone=True) for _ in range(RUNS)]
            finally:
                browser.close()
    finally:
        cloud.stop()
    return "\n".join(
        [
            "## Web client first load (Chromium, local cloud)",
            "",
            f"Purchase page JavaScript and CSS: {raw / 1024:.1f} KB raw, **{zipped / 1024:.1f} KB gzipped** "
            f"(target ≤ 100 KB; {', '.join(files)}).",
            "",
            f"Time from navigation to a usable form, {RUNS} loads each in a fresh context (empty cache):",
            "",
            "| page | median | best | worst | ≤ 1 s |",
            "|---|---|---|---|---|",
            _row("purchase (`/`, quote form with the products loaded), 1100×900", buy),
            _row("report (`/t/{tag_id}`), phone 360×640", report),
            "",
        ]
    )
