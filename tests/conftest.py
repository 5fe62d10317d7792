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


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """Every declared resource created in moto (Step Functions executing the real ASL), handlers in-process."""
    import boto3
    from moto import mock_aws
    from werkzeug.test import Client

    from insure.aws import reset_clients
    from insure.settings import get_settings
    from local import lambda_hook, moto_fixes
    from local.api_gateway import ApiGateway, TokenBucket
    from local.functions_host import FunctionsHost
    from local.resources import create_all

    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    admin_key = "test-admin-key"
    monkeypatch.setenv("ADMIN_API_KEY", admin_key)
    moto_fixes.install()  # as the local cloud does (DynamoDB's per-item atomicity among them)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        host = FunctionsHost(max_concurrency=4)
        lambda_hook.install(host)
        deployment = create_all(boto3, admin_key=admin_key)
        for key, value in deployment.environment.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        reset_clients()
        gateway = ApiGateway(host, throttle=TokenBucket(rate=10_000, burst=10_000))
        try:
            yield Platform(functions=host, deployment=deployment, api=Client(gateway), admin_key=admin_key)
        finally:
            lambda_hook.uninstall()
            get_settings.cache_clear()
            reset_clients()


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """Every test starts and ends on the system's time (a test may move the platform's one clock forward)."""
    from insure import timestamps

    timestamps.reset()
    yield
    timestamps.reset()
