"""Session tokens: shown once, only their SHA-256 stored; who may read what."""

from __future__ import annotations

import hashlib
import time

import pytest

from insure.errors import NotFound, Unauthorized
from insure.sessions import Session, authorize, open_session, owned_by_request, require_live_session, token_hash


class FakeSessions:
    """The SessionRepository interface over a dict (expired sessions read as absent, as the real one does)."""

    def __init__(self, *sessions: Session) -> None:
        self.by_hash = {s.token_hash: s for s in sessions}

    def get(self, hashed: str) -> Session | None:
        found = self.by_hash.get(hashed)
        return found if found and found.live() else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_only_the_sha256_of_the_token_is_kept():
    token, session = open_session("app_1", 60)
    assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(session)
    assert len(token) >= 40


def test_tokens_are_unique_and_sessions_expire_after_their_ttl():
    now = 1_000_000.0
    first, session = open_session("app_1", 60, now=now)
    second, _ = open_session("app_1", 60, now=now)
    assert first != second
    assert session.expires_at_epoch == int(now + 60)
    assert session.live(now + 59)
    assert not session.live(now + 60)


def test_the_owner_passes():
    token, session = open_session("app_1", 60)
    authorize(
        bearer(token),
        owner_hash=session.token_hash,
        owner_expires_at_epoch=session.expires_at_epoch,
        sessions=FakeSessions(session),
    )


def test_no_token_or_an_unknown_token_is_401():
    _token, session = open_session("app_1", 60)
    sessions = FakeSessions(session)
    for headers in ({}, bearer("not-a-session"), {"Authorization": "Basic abc"}):
        with pytest.raises(Unauthorized):
            authorize(
                headers,
                owner_hash=session.token_hash,
                owner_expires_at_epoch=session.expires_at_epoch,
                sessions=sessions,
            )


def test_another_live_sessions_token_is_404():
    _, owner = open_session("app_1", 60)
    other_token, other = open_session("app_2", 60)
    with pytest.raises(NotFound):
        authorize(
            bearer(other_token),
            owner_hash=owner.token_hash,
            owner_expires_at_epoch=owner.expires_at_epoch,
            sessions=FakeSessions(owner, other),
        )


def test_an_expired_owner_session_is_401():
    token, session = open_session("app_1", 60, now=time.time() - 120)
    with pytest.raises(Unauthorized):
        authorize(
            bearer(token),
            owner_hash=session.token_hash,
            owner_expires_at_epoch=session.expires_at_epoch,
            sessions=FakeSessions(session),
        )


def test_an_expired_other_session_is_401_not_404():
    _, owner = open_session("app_1", 60)
    stale_token, stale = open_session("app_2", 60, now=time.time() - 120)
    with pytest.raises(Unauthorized):
        authorize(
            bearer(stale_token),
            owner_hash=owner.token_hash,
            owner_expires_at_epoch=owner.expires_at_epoch,
            sessions=FakeSessions(owner, stale),
        )


def test_require_live_session_returns_the_session_of_the_token():
    token, session = open_session("app_1", 60)
    assert require_live_session(bearer(token), FakeSessions(session)) == session
    assert token_hash(token) == session.token_hash
    with pytest.raises(Unauthorized):
        require_live_session({}, FakeSessions(session))


def test_a_request_without_a_token_is_401_before_anything_is_read():
    # Given a record loader that must not be reached
    def load() -> None:
        raise AssertionError("read without a token")

    # When a request sends no bearer token, then it is refused without reading the record
    with pytest.raises(Unauthorized):
        owned_by_request(load, {}, FakeSessions(), missing="No policy P-1.")  # type: ignore[arg-type]


def test_an_unknown_record_is_404_for_a_live_session_and_the_owners_record_is_returned():
    token, session = open_session("app_1", 60)
    sessions = FakeSessions(session)
    with pytest.raises(NotFound):
        owned_by_request(lambda: None, bearer(token), sessions, missing="No policy P-1.")  # type: ignore[arg-type]
    record = type("Record", (), {"session_hash": session.token_hash, "session_expires_at_epoch": 2**40})()
    assert owned_by_request(lambda: record, bearer(token), sessions, missing="-") is record  # type: ignore[arg-type]
