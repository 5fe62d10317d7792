"""Shared fixtures. moto is imported before any project module so no client can escape the mock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import moto  # noqa: F401  (must come first: see ARCHITECTURE.md)
import pytest

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InsurancePlatform")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "insurance-platform")


@dataclass
class Platform:
    """The platform on moto, in this process: handlers hosted as the local cloud hosts them."""

    functions: object
    deployment: object
    api: object  # werkzeug test Client speaking HTTP semantics to the local API Gateway front
    admin_key: str


ADMIN_KEY = "test-admin-key"


@pytest.fixture(scope="session")
def _deployment():
    """Every declared resource created in moto once per test process (tests/shared_deployment.py)."""
    from tests.shared_deployment import SharedDeployment

    return SharedDeployment(admin_key=ADMIN_KEY)


@pytest.fixture
def platform(_deployment, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """Every declared resource in moto (Step Functions executing the real ASL), handlers in-process; the test
    finds every table, queue and bucket empty and no execution (a new deployment's state)."""
    from werkzeug.test import Client

    from insure.aws import client
    from insure.settings import get_settings
    from local import lambda_hook, moto_fixes
    from local.api_gateway import ApiGateway, TokenBucket
    from local.functions_host import FunctionsHost

    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("ADMIN_API_KEY", ADMIN_KEY)
    moto_fixes.install()  # as the local cloud does (DynamoDB's per-item atomicity among them)
    deployment = _deployment.open()
    host = FunctionsHost(max_concurrency=4)
    try:
        lambda_hook.install(host)
        for key, value in deployment.environment.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        client.cache_clear()  # clients made now, for this environment; botocore's session (its models) is kept
        gateway = ApiGateway(host, throttle=TokenBucket(rate=10_000, burst=10_000))
        yield Platform(functions=host, deployment=deployment, api=Client(gateway), admin_key=ADMIN_KEY)
    finally:
        try:
            _deployment.close(host)
        finally:
            lambda_hook.uninstall()
            get_settings.cache_clear()
            client.cache_clear()


@pytest.fixture
def rulebooks(platform, _deployment) -> list[str]:
    """The rulebooks of data/rulebooks published, as `seed_rulebooks()` publishes them (it runs once per process;
    later tests get the items it wrote); the labels now current."""
    from insure.products.rulebooks import seed_rulebooks
    from insure.underwriting import reset_cache

    reset_cache()
    return list(_deployment.prepared("rulebooks", seed_rulebooks))


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """Every test starts and ends on the system's time (a test may move the platform's one clock forward)."""
    from insure import timestamps

    timestamps.reset()
    yield
    timestamps.reset()
