"""`make run` keeps what people created across a restart, `kill -9` included, and keeps it privately; `--reset`
starts clean; without a state directory (as the other e2e tests run) nothing is kept."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from insure import timestamps
from insure.signatures import sign
from local.cloud import free_port
from scripts.samples import APPLICATION
from tests.e2e.conftest import RunningCloud
from tests.e2e.test_issuance import Session
from tests.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer persistence-admin-key"}
SALES = {"name": "Kept Sales", "email": "kept@insurer.example", "phone": "+12125550123"}
EMAIL, PASSWORD = "kept@example.com", "correct horse battery staple"


@contextmanager
def running(state: Path, *extra: str) -> Iterator[str]:
    """`python -m local --state-dir state` on a free port until the block ends, then killed with SIGKILL."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "ADMIN_API_KEY": ADMIN["Authorization"][7:], "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    log = state.parent / f"cloud-{port}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local", "--state-dir", str(state), *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    if requests.get(f"{url}/health", timeout=5).json()["status"] == "ok":
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, "the local cloud did not become healthy"
                time.sleep(0.2)
            yield url
        finally:
            process.send_signal(signal.SIGKILL)  # no clean shutdown: only what was acknowledged may count
            process.wait(10)


def _insurer_names(url: str) -> list[str]:
    listed = requests.get(f"{url}/insurers", headers=ADMIN, timeout=10)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    return sorted(i["name"] for i in (body["insurers"] if isinstance(body, dict) else body))


def _cloud(url: str) -> RunningCloud:
    return RunningCloud(url=url, admin_key=ADMIN["Authorization"][7:], http=requests.Session(), log=Path(os.devnull))


def _scan(url: str, device: dict[str, str], tag_id: str) -> requests.Response:
    raw = json.dumps(
        {
            "scan_id": f"kept-{uuid.uuid4().hex}",
            "tag_id": tag_id,
            "device_id": device["device_id"],
            "scanned_at": timestamps.now(),
            "location": {"lat": 51.5072, "lon": -0.1276, "accuracy_m": 35.0, "method": "wifi"},
        }
    ).encode()
    headers = {**sign(device["secret"], raw), "Content-Type": "application/json"}
    return requests.post(f"{url}/scans", data=raw, headers=headers, timeout=30)


def _login(url: str) -> requests.Response:
    return requests.post(f"{url}/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=30)


def test_what_people_created_survives_a_kill_and_reset_forgets_it(tmp_path):
    state = tmp_path / "state"
    # Given an application and an insurer created on a local cloud keeping its state
    with running(state) as url:
        created = requests.post(f"{url}/applications", json=APPLICATION, timeout=30)
        assert created.status_code == 201, created.text
        application_id, token = created.json()["application_id"], created.json()["session_token"]
        insurer = requests.post(
            f"{url}/insurers",
            json={"name": "Kept Mutual", "base_url": "http://127.0.0.1:9/kept", "salesperson": SALES},
            headers=ADMIN,
            timeout=30,
        )
        assert insurer.status_code == 201, insurer.text
        names = _insurer_names(url)
        shown = requests.get(f"{url}/applications/{application_id}", headers={"Authorization": f"Bearer {token}"})
        assert shown.status_code == 200
        # And a scanner, a tag on a policy with that insurer
        device = requests.post(f"{url}/devices", json={"name": "kept scanner"}, headers=ADMIN, timeout=30).json()
        tag_id = f"TAG-kept-{uuid.uuid4().hex[:8]}"
        tag = {
            "tag_id": tag_id,
            "kind": "qr",
            "object": {"description": "Laptop"},
            "customer": {"name": "Ada Lovelace", "phone": "+12125550100"},
            "policies": [
                {"insurer_id": insurer.json()["insurer_id"], "policy_number": "POL-KEPT", "product": "computer"}
            ],
        }
        assert requests.post(f"{url}/tags", json=tag, headers=ADMIN, timeout=30).status_code == 201
        # And an issued policy with its document, and an account made from its session
        session = Session(_cloud(url)).accepted()
        number = session.issued(session.pay())["policy_number"]
        policy = session.call("GET", f"/policies/{number}")
        document = session.call("GET", f"/policies/{number}/document")
        assert policy.status_code == 200 and document.content.startswith(b"%PDF")
        account = session.call("POST", "/accounts", json={"email": EMAIL, "password": PASSWORD})
        assert account.status_code == 201, account.text
        assert _login(url).status_code == 200
        first_url = url
    # Then the state is readable by its owner only
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for kept in state.iterdir():
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600, kept.name
    # When the cloud, killed with SIGKILL, starts again on the same state
    with running(state) as url:
        # Then the application answers its session as before, and the insurers are the same (none registered twice)
        again = requests.get(f"{url}/applications/{application_id}", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 200, again.text
        assert again.json() == shown.json()
        after = _insurer_names(url)  # the cloud's own (its claims desk) may register after the first list was read
        assert set(names) <= set(after) and len(after) == len(set(after))
        assert "Kept Mutual" in names
        # And the scanner's secret still signs a scan of the kept tag (an unknown device is 401, a lost tag 404)
        scanned = _scan(url, device, tag_id)
        assert scanned.status_code == 202, scanned.text
        # And the policy and its document read as before
        session.cloud = _cloud(url)
        assert session.call("GET", f"/policies/{number}").text == policy.text.replace(first_url, url)  # its links
        # (documents are rendered again from the kept policy: the same text, its links on this cloud's address)
        rendered = session.call("GET", f"/policies/{number}/document").content
        assert pdf_text(rendered) == pdf_text(document.content).replace(first_url, url)
        # And the customer signs in, and finds the policy among theirs
        signed_in = _login(url)
        assert signed_in.status_code == 200, signed_in.text
        access = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        mine = requests.get(f"{url}/me/policies", headers=access, timeout=30).json()["policies"]
        assert [p["policy_number"] for p in mine] == [number]
    # And --reset starts clean
    with running(state, "--reset") as url:
        gone = requests.get(f"{url}/applications/{application_id}", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code in (401, 404)
        assert "Kept Mutual" not in _insurer_names(url)
        assert _login(url).status_code == 401
        assert _scan(url, device, tag_id).status_code == 401
