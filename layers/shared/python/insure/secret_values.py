"""The one way to read a secret's value: Secrets Manager, kept for at most `max_age_s` per execution environment, so
a rotated value takes effect within that time without a cold start (a read per request would cost a call each)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

DEFAULT_MAX_AGE_S = 300.0


class SecretReader:
    """Reads secret values by id and keeps each for `max_age_s` (monotonic time)."""

    def __init__(
        self,
        client: Callable[[], Any] | None = None,
        *,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.max_age_s = max_age_s
        self._clock = clock
        self._kept: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _secrets_manager(self) -> Any:
        if self._client is not None:
            return self._client()
        from insure.aws import client

        return client("secretsmanager")

    def value(self, secret_id: str) -> str:
        """The secret's current value (read again once the kept one is older than `max_age_s`)."""
        now = self._clock()
        with self._lock:
            kept = self._kept.get(secret_id)
        if kept is not None and now - kept[1] < self.max_age_s:
            return kept[0]
        found: str = self._secrets_manager().get_secret_value(SecretId=secret_id)["SecretString"]
        with self._lock:
            self._kept[secret_id] = (found, now)
        return found

    def key(self, secret_id: str) -> Callable[[], bytes]:
        """A reader of the secret's value as bytes (a signing key), for services that take a key function."""
        return lambda: self.value(secret_id).encode()
