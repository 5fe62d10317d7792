"""`make run` keeps what people created across a restart, `kill -9` included, and keeps it privately; `--reset`
starts clean; without a state directory (as the other e2e tests run) nothing is kept."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from local.cloud import free_port
from scripts.samples import APPLICATION

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer persistence-admin-key"}
SALES = {"name": "Kept Sales", "email": "kept@insurer.example", "phone": "+12125550123"}


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
        assert _insurer_names(url) == names
        assert "Kept Mutual" in names
    # And --reset starts clean
    with running(state, "--reset") as url:
        gone = requests.get(f"{url}/applications/{application_id}", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code in (401, 404)
        assert "Kept Mutual" not in _insurer_names(url)
