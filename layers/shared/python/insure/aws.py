"""Lazily created, cached AWS clients: nothing is created at import time, and botocore itself is imported on
first use so functions that never touch AWS do not pay for it.

Clients come from a botocore session rather than from boto3: a boto3 client is the same botocore client, but
importing boto3 also loads s3transfer and the resource layer (about 130 ms of a cold start), which the platform
never uses."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _session() -> Any:
    """botocore's own session, loader and model files as they are: the Lambda runtime's botocore is not pinned
    by the layer, so nothing here depends on botocore's private internals."""
    import botocore.session

    return botocore.session.get_session()


@cache
def client(service: str) -> Any:
    """A client for `service`, shared by the execution environment (botocore clients are thread-safe). Region,
    credentials and endpoint come from the environment, as with `boto3.client`."""
    from botocore.config import Config

    return _session().create_client(service, config=Config(retries={"max_attempts": 3, "mode": "standard"}))


def reset_clients() -> None:
    """Forget cached clients and their session (tests switch endpoints and credentials)."""
    client.cache_clear()
    _session.cache_clear()
