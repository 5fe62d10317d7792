"""Reporter tokens. `rt_…` tokens are derived (HMAC-SHA256 with the platform signing key, read from Secrets Manager,
over the event id), so a repeated delivery can be answered with the same token although only its SHA-256 is stored
(`pk = REPORTERTOKEN#<sha256>`, `sk = TOKEN`, naming the event: see `insure.risk.event_repository`). No or
unknown token: 401; a valid token of another event: 404 (`insure.risk.event_views.authorize_reporter`). The
customer's event has a token too (derivable when the customer is notified)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

TOKEN_PREFIX = "rt_"  # noqa: S105 - a format prefix, not a secret


@cache
def _token_key() -> bytes:
    from insure.aws import client
    from insure.settings import get_settings

    secret: str = client("secretsmanager").get_secret_value(SecretId=get_settings().signing_keys_secret_arn)[
        "SecretString"
    ]
    return secret.encode()


def reporter_token(risk_event_id: str) -> str:
    """The reporter token of an event, derived from the platform signing key (never stored)."""
    digest = hmac.new(_token_key(), f"reporter-token:{risk_event_id}".encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
