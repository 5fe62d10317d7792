"""Server time of a policy amendment, submit → amended policy issued, through the real amendment ASL on the local
cloud (started in-process), reported beside the whole-session figure.

Each round issues a fresh policy (one session, not timed), then amends it by adding an item: submit (waits for the
decision and the amended offer), accept, pay the difference (waits for the new version). The amendment's server
time is the sum of `X-Server-Time-Ms` of those three responses, plus any time the client waits after a 202."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
import uuid
from typing import Any

from benchmarks.bench_session import CARD, one_session, percentile

ROUNDS = int(os.environ.get("BENCH_AMENDMENTS", "40"))
WARMUP = int(os.environ.get("BENCH_AMENDMENT_WARMUP", "10"))
TARGET_P50_MS = 250.0
DESKTOP = {"kind": "desktop", "brand": "HP", "model": "Z2", "purchase_year": 2025, "value": "2000.00"}


def _issued_policy(http: Any, url: str) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """A fresh issued policy: its number, its owner's bearer header and its items."""
    from scripts import samples

    created = http.post(url + "/applications", json=samples.APPLICATION).json()
    auth = {"Authorization": f"Bearer {created['session_token']}"}
    base = f"{url}/applications/{created['application_id']}"
    shown = http.post(base + "/submit", headers=auth).json()
    while shown["status"] == "underwriting":
        time.sleep(0.01)
        shown = http.get(base, headers=auth).json()
    offer = shown["offer"]
    http.post(
        base + "/accept", headers=auth, json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    )
    paid = http.post(base + "/payment", json={"card": CARD}, headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
    shown = paid.json()
    while shown["status"] != "issued":
        time.sleep(0.01)
        shown = http.get(base, headers=auth).json()
    number = shown["policy_number"]
    return number, auth, http.get(f"{url}/policies/{number}", headers=auth).json()["items"]


def one_amendment(http: Any, url: str) -> tuple[float, dict[str, float]]:
    """(server ms, per-step server ms) of one amendment, from submit to the amended policy issued."""
    number, auth, items = _issued_policy(http, url)
    steps: dict[str, float] = {}
    base = f"{url}/policies/{number}/amendments"
    body = {
        "changes": {"items": [{"item_id": items[0]["item_id"]}, DESKTOP]},
        "effective_date": dt.date.today().isoformat(),
    }
    response = http.post(base, json=body, headers=auth)
    steps["submit"] = float(response.headers["X-Server-Time-Ms"])
    shown = response.json()
    shown = _settle(http, f"{base}/{shown['amendment_id']}", auth, shown, {"offered", "declined"}, steps)
    if shown["status"] != "offered":
        raise RuntimeError(f"submit: {shown}")
    offer = shown["offer"]
    response = http.post(
        f"{base}/{shown['amendment_id']}/accept",
        headers=auth,
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
    )
    steps["accept"] = float(response.headers["X-Server-Time-Ms"])
    response = http.post(
        f"{base}/{shown['amendment_id']}/payment",
        json={"card": CARD},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    steps["pay"] = float(response.headers["X-Server-Time-Ms"])
    if response.status_code not in (200, 202):
        raise RuntimeError(f"pay: {response.status_code} {response.text[:300]}")
    if (
        _settle(http, f"{base}/{shown['amendment_id']}", auth, response.json(), {"issued", "failed"}, steps)["status"]
        != "issued"
    ):
        raise RuntimeError(f"pay: {response.text[:300]}")
    return sum(steps.values()), steps


def _settle(http: Any, url: str, auth: dict[str, str], shown: Any, done: set[str], steps: dict[str, float]) -> Any:
    began = time.perf_counter()
    waited = False
    while shown["status"] not in done:
        waited = True
        time.sleep(0.01)
        shown = http.get(url, headers=auth).json()
    if waited:
        steps["client wait"] = steps.get("client wait", 0.0) + (time.perf_counter() - began) * 1000
    return shown


def run() -> str:
    import logging

    import requests

    from local.cloud import LocalCloud
    from local.components import default_components

    logging.getLogger("local").setLevel(logging.WARNING)
    cloud = LocalCloud(port=0, components=default_components()).start()
    http = requests.Session()
    totals: list[float] = []
    sessions: list[float] = []
    per_step: dict[str, list[float]] = {}
    try:
        for index in range(WARMUP + ROUNDS):
            session_ms, _ = one_session(http, cloud.url)
            total, steps = one_amendment(http, cloud.url)
            if index < WARMUP:
                continue
            sessions.append(session_ms)
            totals.append(total)
            for step, ms in steps.items():
                per_step.setdefault(step, []).append(ms)
    finally:
        cloud.stop()
    p50, p95 = statistics.median(totals), percentile(totals, 0.95)
    session_p50 = statistics.median(sessions)
    print(
        f"amendments {len(totals)}: server time p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p50 <= {TARGET_P50_MS:.0f})"
    )
    verdict = "met" if p50 <= TARGET_P50_MS else "missed"
    lines = [
        "## Policy amendment, submit → amended policy issued (local cloud, real ASL)",
        "",
        f"{len(totals)} amendments one after another over HTTP (after {WARMUP} warm-up rounds), each on a freshly "
        "issued policy: add an item (submit waits for the decision and the amended offer), accept, pay the pro-rata "
        "difference (waits for the new version). Server time is the sum of `X-Server-Time-Ms` of those responses "
        "(plus the client's polling wait whenever one answered before it was done). Whole sessions, quote → issued, "
        "were measured in the same rounds for comparison.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| amendment server time p50 | {p50:.1f} ms (target ≤ {TARGET_P50_MS:.0f} ms: {verdict}) |",
        f"| amendment server time p95 | {p95:.1f} ms |",
        f"| whole session server time p50, same rounds | {session_p50:.1f} ms |",
    ]
    for step, values in per_step.items():
        lines.append(f"| {step} p50 | {statistics.median(values):.1f} ms |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
