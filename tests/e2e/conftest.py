"""Starts the local cloud (`python -m local`) on free ports in a child process, as `make run` does, and gives
tests a plain HTTP client. One cloud per test worker; each keeps its own log of what it printed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from local.cloud import free_port
from tests.e2e.browser import chromium  # noqa: F401 - the one browser of the worker, for every module

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningCloud:
    url: str
    admin_key: str
    http: requests.Session
    log: Path  # what the cloud printed (URLs of its components)

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@contextmanager
def started_cloud(name: str, **settings: str) -> Iterator[RunningCloud]:
    """A fresh local cloud in a child process (`settings` added to its environment), stopped on exit."""
    port = free_port()
    admin_key = "e2e-admin-key"
    env = {**os.environ, "PORT": str(port), "ADMIN_API_KEY": admin_key, "PYTHONUNBUFFERED": "1"}
    env["ACCOUNT_LOCK_SECONDS"] = "2"  # a lockout's expiry is seen in seconds, not 15 minutes (unit tests: 900 s)
    env.pop("AWS_ENDPOINT_URL", None)
    env.update(settings)
    log_path = ROOT / f".run-{name}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the child's lifetime
    process = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    http = requests.Session()
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"local cloud exited: {log_path.read_text()[-3000:]}")
            try:
                health = http.get(f"{url}/health", timeout=2)
                if health.status_code == 200 and health.json()["status"] == "ok":
                    break  # every component started, simulated insurers registered
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy starting (a loaded machine)
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("local cloud did not become healthy in 60 s")
            time.sleep(0.2)
        yield RunningCloud(url=url, admin_key=admin_key, http=http, log=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=2)  # it keeps nothing (no --state-dir): a slow interpreter exit is not waited for
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def cloud() -> Iterator[RunningCloud]:
    with started_cloud("e2e") as running:
        yield running
