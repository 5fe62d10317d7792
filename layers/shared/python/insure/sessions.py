"""Application sessions: a bearer token returned once, of which only the SHA-256 is stored.

A session item lives at `SESSION#<sha256>` with the application it opened and a TTL (`expires_at_epoch`); reads
treat an expired item as absent, since DynamoDB deletes expired items only eventually."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from insure.auth import bearer_token
from insure.errors import NotFound, Unauthorized

TOKEN_BYTES = 32
MISSING_BEARER = "Send Authorization: Bearer <session_token>."


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
        return self.expires_at_epoch > (time.time() if now is None else now)


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
    expires = int((time.time() if now is None else now) + ttl_seconds)
    return token, Session(token_hash(token), application_id, expires)


def authorize(
    headers: Mapping[str, str] | None,
    *,
    owner_hash: str,
    owner_expires_at_epoch: int,
    sessions: SessionRepository,
    now: float | None = None,
) -> None:
    """Allow the request when its bearer token is the owner's live session token.

    No token, or one that matches no live session: 401. A live session that is not the owner's: 404, so one
    session cannot learn that another's resources exist."""
    token = bearer_token(headers)
    if token is None:
        raise Unauthorized(MISSING_BEARER)
    hashed = token_hash(token)
    now = time.time() if now is None else now
    if hmac.compare_digest(hashed, owner_hash):
        if owner_expires_at_epoch > now:
            return
        raise Unauthorized("The session has expired.")
    if sessions.get(hashed) is None:
        raise Unauthorized("The session token is not valid or has expired.")
    raise NotFound("No such resource in this session.")


def require_live_session(headers: Mapping[str, str] | None, sessions: SessionRepository) -> Session:
    """The live session of the request's bearer token (401 when there is none)."""
    token = bearer_token(headers)
    if token is None:
        raise Unauthorized(MISSING_BEARER)
    session = sessions.get(token_hash(token))
    if session is None:
        raise Unauthorized("The session token is not valid or has expired.")
    return session


class SessionOwned(Protocol):
    """A stored record that belongs to one session (applications, policies)."""

    @property
    def session_hash(self) -> str: ...

    @property
    def session_expires_at_epoch(self) -> int: ...


OwnedT = TypeVar("OwnedT", bound=SessionOwned)


def owned_by_request(
    load: Callable[[], OwnedT | None], headers: Mapping[str, str] | None, sessions: SessionRepository, *, missing: str
) -> OwnedT:
    """The record `load` finds, if the request's session owns it: an unknown record is 404 for a live session (401
    without one), another session's record is 404, so one session cannot learn that another's resources exist.

    A request without a bearer token is 401 whatever the record: it is refused before `load` reads anything."""
    if bearer_token(headers) is None:
        raise Unauthorized(MISSING_BEARER)
    record = load()
    if record is None:
        require_live_session(headers, sessions)
        raise NotFound(missing)
    authorize(
        headers,
        owner_hash=record.session_hash,
        owner_expires_at_epoch=record.session_expires_at_epoch,
        sessions=sessions,
    )
    return record
