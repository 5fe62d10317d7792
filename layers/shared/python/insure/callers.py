"""Who is calling: the value the HTTP edge resolves from a request's credentials before a route runs.

Services receive one of these instead of headers. Each kind says which stored records it may read (`owns`); a
service asks `owned(record, caller, missing=...)` and answers the same 404 for an unknown record and for one the
caller does not own, so a caller cannot learn that another's records exist. No pydantic here (cold starts)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from insure.errors import NotFound


class Caller(Protocol):
    """A resolved caller: `kind` names it in logs (never who it is), `owns` says which records it may read."""

    @property
    def kind(self) -> str: ...

    def owns(self, record: Any) -> bool: ...


@dataclass(frozen=True)
class Anonymous:
    """A public route's caller (or a signed route's, which verifies its own signature)."""

    kind: str = "anonymous"

    def owns(self, record: Any) -> bool:
        return False


@dataclass(frozen=True)
class Admin:
    """The back office (the admin key)."""

    kind: str = "admin"

    def owns(self, record: Any) -> bool:
        return True


@dataclass(frozen=True)
class SessionCaller:
    """The holder of a live application session: owns the records stamped with its token's hash (the application,
    the policy it bought)."""

    token_hash: str
    application_id: str
    kind: str = "session"

    def owns(self, record: Any) -> bool:
        owner = getattr(record, "session_hash", None)
        return isinstance(owner, str) and hmac.compare_digest(owner, self.token_hash)


@dataclass(frozen=True)
class Customer:
    """A signed-in customer (an account's access token): owns the records of every session linked to the account
    (the applications opened in them and the policies they bought), whether or not those sessions are still live,
    and the records stamped with its customer id."""

    customer_id: str
    session_hashes: frozenset[str] = frozenset()
    token_hash: str = ""  # the access token's (sign-out ends its login)
    kind: str = "customer"

    def owns(self, record: Any) -> bool:
        if getattr(record, "customer_id", None) == self.customer_id:
            return True
        owner = getattr(record, "session_hash", None)
        return isinstance(owner, str) and owner in self.session_hashes


@dataclass(frozen=True)
class Reporter:
    """The holder of a risk event's reporter token: owns that event only."""

    risk_event_id: str
    kind: str = "reporter"

    def owns(self, record: Any) -> bool:
        return getattr(record, "risk_event_id", record) == self.risk_event_id


RecordT = TypeVar("RecordT")


def owned(record: RecordT | None, caller: Caller, *, missing: str) -> RecordT:
    """`record` if `caller` may read it; otherwise `NotFound(missing)`, the same answer as for an unknown record."""
    if record is None or not caller.owns(record):
        raise NotFound(missing)
    return record
