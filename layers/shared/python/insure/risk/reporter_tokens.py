"""Reporter tokens. `rt_…` tokens are derived (HMAC-SHA256 with the platform signing key over the event id), so a
repeated delivery can be answered with the same token although only its SHA-256 is stored
(`pk = REPORTERTOKEN#<sha256>`, `sk = TOKEN`, naming the event: see `insure.risk.event_repository`). No or
unknown token: 401; a valid token of another event: 404 (`insure.risk.event_views.EventViews.authorize_reporter`).
The customer's event has a token too (derivable when the customer is notified). The key is handed in as a reader
(`insure.secret_values.SecretReader.key`: read with a maximum age, so a rotation takes effect)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

TOKEN_PREFIX = "rt_"  # noqa: S105 - a format prefix, not a secret


class ReporterTokens:
    """Derives events' reporter tokens from the signing key `key()`."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key = key

    def token(self, risk_event_id: str) -> str:
        """The reporter token of an event (never stored)."""
        digest = hmac.new(self._key(), f"reporter-token:{risk_event_id}".encode(), hashlib.sha256).digest()
        return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def hash_of(self, risk_event_id: str) -> str:
        """What is stored of the event's token."""
        return token_hash(self.token(risk_event_id))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
