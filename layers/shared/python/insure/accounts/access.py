"""Customer access tokens as credentials: which customer a bearer token signs in, and whether a session's
application and policy are theirs. Used by `insure.sessions` (ownership checks) and the accounts service."""

from __future__ import annotations

import hashlib

from insure.callers import Customer

ACCESS_PREFIX = "at_"
REFRESH_PREFIX = "rt_"


def clock() -> float:
    """Now, for token expiry: the platform's one clock (`insure.timestamps`)."""
    from insure import timestamps

    return timestamps.epoch()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_access_token(token: str) -> bool:
    return token.startswith(ACCESS_PREFIX)


def customer_of_access_token(table: str, token: str, *, now: float | None = None) -> str | None:
    """The customer a live access token belongs to (None: unknown, expired, or its login was ended)."""
    from insure.accounts.repository import AccountRepository

    accounts = AccountRepository(table)
    found = accounts.token("ACCESS", token_hash(token))
    if found is None or found.expires_at_epoch <= (clock() if now is None else now):
        return None
    if not accounts.login_live(found.customer_id, found.family):
        return None
    return found.customer_id


def authenticate_customer(table: str, token: str, *, now: float | None = None) -> Customer | None:
    """The signed-in customer of a live access token, with the sessions whose records are theirs (None for any
    other token: a session token costs no read here)."""
    from insure.accounts.repository import AccountRepository

    if not looks_like_access_token(token):
        return None
    customer_id = customer_of_access_token(table, token, now=now)
    if customer_id is None:
        return None
    hashes = AccountRepository(table).session_hashes_of(customer_id)
    return Customer(customer_id, frozenset(hashes), token_hash(token))
