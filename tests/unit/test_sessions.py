"""Session tokens: shown once, only their SHA-256 stored; who may read what."""

from __future__ import annotations

import hashlib
import time

import pytest

from insure.callers import SessionCaller, owned
from insure.errors import NotFound
from insure.sessions import Session, authenticate, open_session, token_hash


class FakeSessions:
    """The SessionRepository interface over a dict (expired sessions read as absent, as the real one does)."""

    def __init__(self, *sessions: Session) -> None:
        self.by_hash = {s.token_hash: s for s in sessions}

    def get(self, hashed: str) -> Session | None:
        found = self.by_hash.get(hashed)
        return found if found and found.live() else None


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


def record_of(session: Session) -> object:
    return type("Record", (), {"session_hash": session.token_hash, "session_expires_at_epoch": 2**40})()


def test_a_live_sessions_token_is_its_caller_and_the_caller_owns_its_records():
    token, session = open_session("app_1", 60)
    found = authenticate(token, FakeSessions(session))  # type: ignore[arg-type]
    assert found == SessionCaller(session.token_hash, "app_1")
    record = record_of(session)
    assert owned(record, found, missing="No policy P-1.") is record


def test_an_unknown_or_expired_token_is_no_caller():
    token, session = open_session("app_1", 60)
    stale_token, stale = open_session("app_2", 60, now=time.time() - 120)
    sessions = FakeSessions(session, stale)
    assert authenticate("not-a-session", sessions) is None  # type: ignore[arg-type]
    assert authenticate(stale_token, sessions) is None  # type: ignore[arg-type]
    assert token_hash(token) == session.token_hash


def test_another_sessions_record_reads_exactly_like_an_unknown_one():
    # Given two live sessions
    _, owner = open_session("app_1", 60)
    other_token, other = open_session("app_2", 60)
    intruder = authenticate(other_token, FakeSessions(owner, other))  # type: ignore[arg-type]
    assert intruder is not None
    # When the other session asks for the owner's record and for a record that does not exist
    with pytest.raises(NotFound) as someone_elses:
        owned(record_of(owner), intruder, missing="No policy P-1.")
    with pytest.raises(NotFound) as unknown:
        owned(None, intruder, missing="No policy P-1.")
    # Then both answers are the same
    assert str(someone_elses.value) == str(unknown.value) == "No policy P-1."
