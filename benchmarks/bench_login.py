"""Sign-in server time on the local cloud: `POST /auth/login` for an account created after a session, with the
password hash's cost stated (argon2id, `insure.accounts.passwords`). Also the wrong-password and unknown-e-mail
answers, which must take the same time (the unknown e-mail checks a dummy hash of the same cost), and the hash alone
in-process. Server time is the local API front's `X-Server-Time-Ms` header."""

from __future__ import annotations

import os
import statistics
import time
import uuid

from scripts import samples

LOGINS = int(os.environ.get("BENCH_LOGINS", "40"))
WARMUP = int(os.environ.get("BENCH_LOGIN_WARMUP", "5"))
PASSWORD = "correct horse battery staple"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> str:
    import logging

    import requests

    from insure.accounts import passwords
    from local.cloud import LocalCloud
    from local.components import default_components

    logging.getLogger("local").setLevel(logging.WARNING)
    os.environ["LOGIN_SOURCE_MAX_FAILURES"] = str(10 * (LOGINS + WARMUP))  # the benchmark's own failures
    os.environ["ACCOUNT_MAX_FAILURES"] = str(10 * (LOGINS + WARMUP))
    cloud = LocalCloud(port=0, components=default_components()).start()
    http = requests.Session()
    url = cloud.url

    def server_ms(response: requests.Response) -> float:
        return float(response.headers.get("X-Server-Time-Ms", "nan"))

    try:
        opened = http.post(f"{url}/applications", json=samples.APPLICATION, timeout=30)
        opened.raise_for_status()
        auth = {"Authorization": f"Bearer {opened.json()['session_token']}"}
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        created = http.post(f"{url}/accounts", json={"email": email, "password": PASSWORD}, headers=auth, timeout=30)
        created.raise_for_status()
        figures: dict[str, list[float]] = {"right password": [], "wrong password": [], "unknown e-mail": []}
        bodies = {
            "right password": {"email": email, "password": PASSWORD},
            "wrong password": {"email": email, "password": "not the password at all"},
            "unknown e-mail": {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD},
        }
        expected = {"right password": 200, "wrong password": 401, "unknown e-mail": 401}
        for index in range(WARMUP + LOGINS):
            for kind, body in bodies.items():
                response = http.post(f"{url}/auth/login", json=body, timeout=30)
                assert response.status_code == expected[kind], response.text
                if index >= WARMUP:
                    figures[kind].append(server_ms(response))
            if index % 4 == 3:  # a success resets the count of failures in a row
                http.post(f"{url}/auth/login", json=bodies["right password"], timeout=30)
    finally:
        cloud.stop()
    hash_ms = []
    stored = passwords.hash_password(PASSWORD)
    for _ in range(20):
        began = time.perf_counter()
        passwords.verify(stored, PASSWORD)
        hash_ms.append((time.perf_counter() - began) * 1000)
    right = figures["right password"]
    p50, p95 = statistics.median(right), percentile(right, 0.95)
    wrong_p50, unknown_p50 = statistics.median(figures["wrong password"]), statistics.median(figures["unknown e-mail"])
    print(f"login p50 {p50:.1f} ms, p95 {p95:.1f} ms; wrong {wrong_p50:.1f} ms, unknown {unknown_p50:.1f} ms")
    lines = [
        "## Sign-in (local cloud)",
        "",
        f"`POST /auth/login` {LOGINS} times per case over HTTP after {WARMUP} warm-up rounds; server time from "
        f"`X-Server-Time-Ms`. Password hash: {passwords.describe_cost()} (OWASP's first recommended argon2id "
        "setting), one verification per sign-in.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| login p50 (right password: verify, reset the count, issue two tokens) | {p50:.1f} ms |",
        f"| login p95 | {p95:.1f} ms |",
        f"| wrong password p50 (verify, count the failure) | {wrong_p50:.1f} ms |",
        f"| unknown e-mail p50 (dummy hash, count the failure) | {unknown_p50:.1f} ms |",
        f"| argon2id verification alone, p50 in-process | {statistics.median(hash_ms):.1f} ms |",
        "",
    ]
    return "\n".join(lines)
