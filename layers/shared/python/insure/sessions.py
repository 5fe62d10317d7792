"""Application sessions: a bearer token returned once, of which only the SHA-256 is stored.

A session item lives at `SESSION#<sha256>` with the application it opened and a TTL (`expires_at_epoch`); reads
treat an expired item as absent, since DynamoDB deletes expired items only eventually."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from insure import timestamps
from insure.callers import SessionCaller

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    application_id: str
    expires_at_epoch: int

    def live(self, now: float | None = None) -> bool:
        return self.expires_at_epoch > (timestamps.epoch() if now is None else now)


class SessionRepository:
    """Sessions in the single table."""

    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def key(hashed: str) -> dict[str, Any]:
        return {"pk": {"S": f"SESSION#{hashed}"}, "sk": {"S": "SESSION"}}

    def item(self, session: Session) -> dict[str, Any]:
        """The PutItem item of `session` (callers write it after what the session opens)."""
        return {
            **self.key(session.token_hash),
            "application_id": {"S": session.application_id},
            "expires_at_epoch": {"N": str(session.expires_at_epoch)},
        }

    def get(self, hashed: str) -> Session | None:
        from insure.aws import client

        found = client("dynamodb").get_item(TableName=self.table, Key=self.key(hashed)).get("Item")
        if not found:
            return None
        session = Session(hashed, found["application_id"]["S"], int(found["expires_at_epoch"]["N"]))
        return session if session.live() else None


def open_session(application_id: str, ttl_seconds: int, *, now: float | None = None) -> tuple[str, Session]:
    """A new token (shown once) and the session to store for it."""
    token = new_token()
    expires = int((timestamps.epoch() if now is None else now) + ttl_seconds)
    return token, Session(token_hash(token), application_id, expires)


def authenticate(token: str, sessions: SessionRepository) -> SessionCaller | None:
    """The caller holding `token`, if it is a live session's token (the HTTP edge resolves session routes with
    it, before the body is read)."""
    session = sessions.get(token_hash(token))
    return SessionCaller(session.token_hash, session.application_id) if session else None
