"""Server time of a whole session, quote → issued, through the real ASL on the local cloud (started in-process).

A session's server time is the sum of the `X-Server-Time-Ms` header the local API front puts on each response
(quote, apply, submit, accept, pay), plus any time the client must wait because an endpoint answered 202.
The workflow engine's own share is the time between a StartExecution/SendTaskSuccess call and the end of the
last task it led to, minus the time spent inside our task handlers: the interpreter, its state transitions and
its Lambda invocations. Sessions run one after another so each timeline is unambiguous."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from typing import Any

from scripts import samples

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "60"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))  # the local cloud keeps getting faster for ~20 sessions
TARGET_P50_MS = 250.0

APPLICATION = samples.APPLICATION
CARD = samples.GOOD_CARD


class Timeline:
    """Engine calls (start/complete) and task handler intervals, in perf_counter seconds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine_calls: list[float] = []
        self.tasks: list[tuple[float, float]] = []

    def reset(self) -> None:
        with self.lock:
            self.engine_calls.clear()
            self.tasks.clear()

    def engine_ms(self) -> tuple[float, float]:
        """(engine time, task handler time) of the recorded session, in ms."""
        calls = sorted(self.engine_calls)
        engine = handlers = 0.0
        for index, began in enumerate(calls):
            until = calls[index + 1] if index + 1 < len(calls) else float("inf")
            segment = [t for t in self.tasks if began <= t[0] < until]
            if not segment:
                continue
            busy = sum(end - start for start, end in segment)
            engine += max(end for _, end in segment) - began - busy
            handlers += busy
        return engine * 1000, handlers * 1000


def _instrument(cloud: Any, timeline: Timeline) -> None:
    from insure.applications.engine import StepFunctionsEngine

    invoke = cloud.functions.invoke

    def timed_invoke(name: str, event: Any, **options: Any) -> Any:
        if not name.startswith("issuance_"):
            return invoke(name, event, **options)
        began = time.perf_counter()
        try:
            return invoke(name, event, **options)
        finally:
            with timeline.lock:
                timeline.tasks.append((began, time.perf_counter()))

    cloud.functions.invoke = timed_invoke
    for method in ("start", "complete"):
        original = getattr(StepFunctionsEngine, method)

        def wrapped(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with timeline.lock:
                timeline.engine_calls.append(time.perf_counter())
            return _original(self, *args, **kwargs)

        setattr(StepFunctionsEngine, method, wrapped)


def one_session(http: Any, url: str) -> tuple[float, dict[str, float]]:
    """(server ms, per-step server ms) of one session from quote to issued policy."""
    steps: dict[str, float] = {}

    def call(step: str, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = http.request(method, url + path, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{step}: {response.status_code} {response.text[:300]}")
        steps[step] = steps.get(step, 0.0) + float(response.headers["X-Server-Time-Ms"])
        return response.json()

    quote_body = {k: APPLICATION[k] for k in ("product", "state", "items")}
    quote_body["date_of_birth"] = "1985-12-10"
    quote = call("quote", "POST", "/quotes", 200, json=quote_body)
    created = call("apply", "POST", "/applications", 201, json={**APPLICATION, "quote_id": quote["quote_id"]})
    auth = {"Authorization": f"Bearer {created['session_token']}"}
    base = f"/applications/{created['application_id']}"
    response = http.post(url + base + "/submit", headers=auth)
    steps["submit"] = float(response.headers["X-Server-Time-Ms"])
    offer = _settle(http, url + base, auth, response, {"offered", "declined"}, steps)["offer"]
    call(
        "accept",
        "POST",
        base + "/accept",
        200,
        headers=auth,
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
    )
    response = http.post(
        url + base + "/payment", json={"card": CARD}, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
    )
    steps["pay"] = float(response.headers["X-Server-Time-Ms"])
    if _settle(http, url + base, auth, response, {"issued", "failed"}, steps)["status"] != "issued":
        raise RuntimeError(f"pay: {response.status_code} {response.text[:300]}")
    return sum(steps.values()), steps


def _settle(http: Any, url: str, auth: dict[str, str], response: Any, done: set[str], steps: dict[str, float]) -> Any:
    """The body of a 200, or after a 202 the application once its status is in `done`: the client polls, and the
    time it waits counts as server time."""
    if response.status_code == 200:
        return response.json()
    if response.status_code != 202:
        raise RuntimeError(f"{response.url}: {response.status_code} {response.text[:300]}")
    began = time.perf_counter()
    shown = response.json()
    while shown["status"] not in done:
        time.sleep(0.01)
        shown = http.get(url, headers=auth).json()
    steps["client wait"] = steps.get("client wait", 0.0) + (time.perf_counter() - began) * 1000
    return shown


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> str:
    import logging

    import requests

    from local.cloud import LocalCloud
    from local.components import default_components

    logging.getLogger("local").setLevel(logging.WARNING)
    cloud = LocalCloud(port=0, components=default_components()).start()
    timeline = Timeline()
    _instrument(cloud, timeline)
    http = requests.Session()
    warmup: list[float] = []
    totals: list[float] = []
    engine: list[float] = []
    handlers: list[float] = []
    per_step: dict[str, list[float]] = {}
    try:
        for index in range(WARMUP + SESSIONS):
            timeline.reset()
            total, steps = one_session(http, cloud.url)
            if index < WARMUP:
                warmup.append(total)
                continue
            engine_ms, handler_ms = timeline.engine_ms()
            totals.append(total)
            engine.append(engine_ms)
            handlers.append(handler_ms)
            for step, ms in steps.items():
                per_step.setdefault(step, []).append(ms)
    finally:
        cloud.stop()
    p50, p95 = statistics.median(totals), percentile(totals, 0.95)
    warm_p50 = statistics.median(warmup) if warmup else float("nan")
    engine_share = sum(engine) / sum(totals)
    handler_share = sum(handlers) / sum(totals)
    print(f"sessions {len(totals)}: server time p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p50 <= {TARGET_P50_MS:.0f})")
    print(
        f"workflow engine {engine_share:.0%} of server time (median {statistics.median(engine):.1f} ms/session); "
        f"task handlers {handler_share:.0%}"
    )
    verdict = "met" if p50 <= TARGET_P50_MS else "missed"
    lines = [
        "## Whole session, quote → issued (local cloud, real ASL)",
        "",
        f"{len(totals)} sessions one after another over HTTP (after {WARMUP} warm-up sessions): quote, apply, submit "
        "(waits for the decision), accept, pay (waits for issuance). Server time is the sum of `X-Server-Time-Ms` "
        "of the session's responses (plus the client's polling wait whenever submit or payment answered 202).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| server time p50 | {p50:.1f} ms (target ≤ {TARGET_P50_MS:.0f} ms: {verdict}) |",
        f"| server time p95 | {p95:.1f} ms |",
        f"| p50 of the {WARMUP} warm-up sessions | {warm_p50:.1f} ms (one-off costs of a fresh local cloud) |",
        f"| workflow engine share | {engine_share:.0%} (median {statistics.median(engine):.1f} ms per session) |",
        f"| our task handlers' share | {handler_share:.0%} (median {statistics.median(handlers):.1f} ms per session) |",
    ]
    for step, values in per_step.items():
        lines.append(f"| {step} p50 | {statistics.median(values):.1f} ms |")
    lines += [
        "",
        "The engine share is the time from each StartExecution/SendTaskSuccess to the end of the last task it led "
        "to, less the time inside our task handlers: moto's ASL interpreter, its transitions and its Lambda "
        "invocations.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
