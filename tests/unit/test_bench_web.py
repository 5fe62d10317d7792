"""`make bench`'s web figures: each page measured (the purchase page and the report page on a phone) is reported
with the size of its JavaScript and CSS beside its time to a usable form, each against its target."""

from __future__ import annotations

from benchmarks.bench_web import PAGES, Size, _row


def test_every_page_measured_reports_its_size_beside_its_time():
    # Given a first load of 15 KB gzipped and one of 120 KB, each with its load times
    small = Size(raw=40 * 1024, gzipped=15 * 1024, files=("app.css", "app.js"))
    large = Size(raw=300 * 1024, gzipped=120 * 1024, files=("app.js",))
    # When each page's row is written
    rows = [_row(page, size, [400.0, 300.0, 1200.0]) for page, size in zip(PAGES, (small, large), strict=True)]
    # Then the report page is among them, and each row gives the size, its verdict and the time with its verdict
    assert [page.mark for page in PAGES] == ["quote-form-ready", "report-form-ready"]
    assert [cell.strip() for cell in rows[0].split("|")[2:-1]] == [
        "**15.0 KB** (40.0 KB raw: app.css, app.js)",
        "yes",
        "400 ms",
        "300 ms",
        "1200 ms",
        "yes",
    ]
    assert [cell.strip() for cell in rows[1].split("|")[2:4]] == ["**120.0 KB** (300.0 KB raw: app.js)", "NO"]
