"""Back-office authentication: `Authorization: Bearer <admin key>`, the key kept in Secrets Manager."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from insure.callers import Admin
from insure.headers import header
from insure.secret_values import SecretReader

_SECRETS = SecretReader()
"""The admin key as Secrets Manager holds it, read again once it is older than the reader's maximum age (so a rotated
key takes effect without a cold start); the edge authenticates before any composition root is reached."""


def _admin_key() -> str:
    from insure.settings import get_settings

    return _SECRETS.value(get_settings().admin_key_secret_arn)


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, whatever the header's case."""
    value = header(headers, "authorization")
    if value:
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return None


def authenticate_admin(token: str) -> Admin | None:
    """The back office, if `token` is the admin key (compared in constant time)."""
    return Admin() if hmac.compare_digest(token.encode(), _admin_key().encode()) else None
