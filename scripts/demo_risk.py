"""Risk-event demo against a running local cloud: a tag covered by three insurers, one signed scan, and every
insurer's progress printed as it happens until all reach a final status (or show as unreachable).

`python -m scripts.demo_risk [BASE_URL ADMIN_KEY]` (or through `make demo`). The helpers here are also what the
end-to-end tests use to open an event the way a scanner would."""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

SETTLED = frozenset({"paid", "denied", "closed", "unreachable"})


@dataclass
class OpenedEvent:
    risk_event_id: str
    reporter_token: str
    tag_id: str
    insurer_ids: list[str]


def _admin(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_key}"}


def _ok(response: requests.Response, *codes: int) -> dict[str, Any]:
    if response.status_code not in codes:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def registered_insurers(
    http: requests.Session, base_url: str, admin_key: str, *, at_least: int = 1, wait_s: float = 20.0
) -> list[dict[str, Any]]:
    """The registered insurers, waiting a little for the local cloud to finish registering its simulated ones."""
    deadline = time.monotonic() + wait_s
    while True:
        insurers: list[dict[str, Any]] = _ok(http.get(f"{base_url}/insurers", headers=_admin(admin_key)), 200)[
            "insurers"
        ]
        if len(insurers) >= at_least or time.monotonic() > deadline:
            return insurers
        time.sleep(0.2)


def open_event_by_scan(
    http: requests.Session, base_url: str, admin_key: str, insurer_ids: list[str], *, label: str = "demo"
) -> OpenedEvent:
    """Registers a scanner and a tag covered by `insurer_ids`, then posts one signed scan of the tag."""
    from insure.signatures import sign

    suffix = uuid.uuid4().hex[:8]
    device = _ok(http.post(f"{base_url}/devices", json={"name": f"{label} scanner"}, headers=_admin(admin_key)), 201)
    tag_id = f"TAG-{label}-{suffix}"
    _ok(
        http.post(
            f"{base_url}/tags",
            json={
                "tag_id": tag_id,
                "kind": "qr",
                "object": {"description": "Dell XPS 13 laptop", "category": "portable", "serial_number": suffix},
                "customer": {"name": "Ada Lovelace", "phone": "+12125550100", "email": "ada@example.com"},
                "policies": [
                    {"insurer_id": i, "policy_number": f"POL-{n}-{suffix}", "product": "computer"}
                    for n, i in enumerate(insurer_ids)
                ],
            },
            headers=_admin(admin_key),
        ),
        201,
    )
    scan = json.dumps(
        {
            "scan_id": f"scan-{suffix}",
            "tag_id": tag_id,
            "device_id": device["device_id"],
            "scanned_at": datetime.now(tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "location": {"lat": 40.7484, "lon": -73.9857, "accuracy_m": 8.0, "method": "gps"},
            "reporter": {"name": "Ada Lovelace", "phone": "+1 212 555 0100"},  # the customer herself
        }
    )
    headers = {"content-type": "application/json", **sign(device["secret"], scan)}
    opened = _ok(http.post(f"{base_url}/scans", data=scan, headers=headers), 202)
    return OpenedEvent(opened["risk_event_id"], opened["reporter_token"], tag_id, insurer_ids)


def read_event(http: requests.Session, base_url: str, event: OpenedEvent) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {event.reporter_token}"}
    return _ok(http.get(f"{base_url}/risk-events/{event.risk_event_id}", headers=headers), 200)


def _line(names: dict[str, str], insurer: dict[str, Any]) -> str:
    history = " → ".join(h["status"] for h in insurer.get("history", []))
    reference = insurer.get("claim_reference") or "-"
    name = names.get(insurer["insurer_id"], insurer["insurer_id"])
    return f"    {name:<18} {insurer['status']:<11} claim {reference:<16} {history}"


def main(base_url: str, admin_key: str, *, timeout_s: float = 60.0) -> None:
    http = requests.Session()
    insurers = registered_insurers(http, base_url, admin_key)[:3]
    if not insurers:
        print("No insurers are registered: the local cloud registers its simulated insurers at start.")
        return
    names = {i["insurer_id"]: i["name"] for i in insurers}
    print(f"Insurers on the policy: {', '.join(names.values())}")
    began = time.monotonic()
    event = open_event_by_scan(http, base_url, admin_key, list(names))
    print(f"Scanned tag {event.tag_id}: risk event {event.risk_event_id}")
    body = read_event(http, base_url, event)
    for step in body.get("guidance", [])[:5]:
        print(f"  now: [{step.get('category')}] {step.get('text')}")
    shown: dict[str, str] = {}
    etag, insurers_now = "", []
    while time.monotonic() - began < timeout_s:
        # Polite polling: If-None-Match answers 304 while nothing changed.
        response = http.get(
            f"{base_url}/risk-events/{event.risk_event_id}",
            headers={"Authorization": f"Bearer {event.reporter_token}", "If-None-Match": etag},
        )
        if response.status_code == 200:
            etag, insurers_now = response.headers.get("ETag", ""), response.json().get("insurers", [])
        elif response.status_code != 304:
            _ok(response, 200)
        changed = {i["insurer_id"]: i["status"] for i in insurers_now} != shown
        if changed:
            shown = {i["insurer_id"]: i["status"] for i in insurers_now}
            print(f"  t+{time.monotonic() - began:4.1f}s")
            for insurer in insurers_now:
                print(_line(names, insurer))
        if insurers_now and len(insurers_now) >= len(names) and all(s in SETTLED for s in shown.values()):
            print(f"Every insurer reached a final status in {time.monotonic() - began:.1f} s.")
            return
        time.sleep(0.25)
    print(f"Stopped watching after {timeout_s:.0f} s; statuses: {shown}")


if __name__ == "__main__":
    from pathlib import Path

    run_info = Path(__file__).resolve().parent.parent / ".run" / "local-cloud.json"
    if len(sys.argv) == 3:
        main(sys.argv[1], sys.argv[2])
    elif run_info.exists():
        info = json.loads(run_info.read_text())
        main(info["url"], info["admin_key"])
    else:
        raise SystemExit("usage: python -m scripts.demo_risk BASE_URL ADMIN_KEY (or start `make run` first)")
