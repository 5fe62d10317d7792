"""Back-office authentication: `Authorization: Bearer <admin key>`, the key kept in Secrets Manager."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import cache

from insure.callers import Admin


@cache
def _admin_key() -> str:
    from insure.aws import client
    from insure.settings import get_settings

    value: str = client("secretsmanager").get_secret_value(SecretId=get_settings().admin_key_secret_arn)["SecretString"]
    return value


def reset() -> None:
    _admin_key.cache_clear()


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, whatever the header's case."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def authenticate_admin(token: str) -> Admin | None:
    """The back office, if `token` is the admin key (compared in constant time)."""
    return Admin() if hmac.compare_digest(token.encode(), _admin_key().encode()) else None
