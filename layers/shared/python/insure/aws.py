"""Lazily created, cached boto3 clients: nothing is created at import time, and boto3 itself is imported on
first use so functions that never touch AWS do not pay for it."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    """A boto3 client for `service`, shared by the execution environment (boto3 clients are thread-safe)."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"max_attempts": 3, "mode": "standard"}))


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials)."""
    client.cache_clear()
