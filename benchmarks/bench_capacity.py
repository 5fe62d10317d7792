"""What request rate the local cloud sustains, to set the per-client throttle below it (local/api_gateway.py).

Bounded and loopback only: an in-process local cloud with its throttles lifted, then rounds of a few seconds each
at 1, 2, 4, 8 and 16 concurrent clients, each client creating an application and reading it back as fast as it
can; every round stops by itself. The sustained rate is the best throughput of a round whose p95 stays under the
latency a client can live with; the configured client rate must sit below it."""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Any

from scripts import samples

ROUND_S = float(os.environ.get("BENCH_CAPACITY_ROUND_S", "5"))
LEVELS = (1, 2, 4, 8, 16)
APPLICATION: Any = samples.APPLICATION
P95_LIMIT_MS = 2000.0


def _round(url: str, clients: int) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p95 ms, errors) of `clients` threads looping for ROUND_S seconds."""
    import requests

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + ROUND_S

    def client() -> None:
        nonlocal errors
        http = requests.Session()
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            created = http.post(f"{url}/applications", json=APPLICATION, timeout=30)
            middle = time.perf_counter()
            ok = created.status_code == 201
            if ok:
                body = created.json()
                auth = {"Authorization": f"Bearer {body['session_token']}"}
                ok = http.get(f"{url}/applications/{body['application_id']}", headers=auth, timeout=30).ok
            ended = time.perf_counter()
            with lock:
                latencies.extend([(middle - began) * 1000, (ended - middle) * 1000])
                errors += 0 if ok else 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else 0.0
    return len(latencies) / elapsed, statistics.median(ordered or [0.0]), p95, errors


def measure() -> tuple[list[tuple[int, float, float, float, int]], float]:
    from local.api_gateway import ClientThrottle, TokenBucket
    from local.cloud import LocalCloud
    from local.components import default_components

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    cloud = LocalCloud(port=0, components=default_components())
    cloud.client_throttle = ClientThrottle(rate=1e9, burst=10**9)
    cloud.stage_throttle = TokenBucket(rate=1e9, burst=10**9)
    cloud.start()
    try:
        _round(cloud.url, 2)  # warm: every environment of the applications function created
        rows = [(clients, *_round(cloud.url, clients)) for clients in LEVELS]
    finally:
        cloud.stop()
    sustained = max((rate for _, rate, _, p95, errors in rows if p95 <= P95_LIMIT_MS and not errors), default=0.0)
    return rows, sustained


def run() -> str:
    from local.api_gateway import CLIENT_BURST, CLIENT_RATE_PER_S

    rows, sustained = measure()
    lines = [
        "## What the local cloud sustains (sets the per-client throttle)",
        "",
        f"Rounds of {ROUND_S:g} s over loopback HTTP against an in-process local cloud with its throttles lifted: each "
        "client creates an application and reads it back, as fast as it can. API calls take turns in the local cloud "
        "(first come, first served), so more clients add latency, not throughput.",
        "",
        "| clients | requests/s | p50 ms | p95 ms | errors |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {c} | {rate:.1f} | {p50:.1f} | {p95:.1f} | {e} |" for c, rate, p50, p95, e in rows]
    verdict = "met" if sustained > CLIENT_RATE_PER_S else "NOT met"
    lines += [
        "",
        f"Sustained: {sustained:.1f} requests/s (best round with p95 ≤ {P95_LIMIT_MS:.0f} ms and no errors). "
        f"Per-client throttle: {CLIENT_RATE_PER_S:g} requests/s, burst {CLIENT_BURST} "
        f"(below the sustained rate: {verdict}).",
        "",
    ]
    return "\n".join(lines)


def main() -> Any:
    print(run())


if __name__ == "__main__":
    main()
