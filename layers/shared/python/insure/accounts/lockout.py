"""Lockout arithmetic, pure: after `MAX_FAILURES` failed logins in a row an account is locked for the lock
duration; a success resets the count; a failure after a lock expired starts counting again from one."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class LoginState:
    """What the customer record keeps about failed logins (epoch seconds)."""

    failures: int = 0
    locked_until: float = 0.0
    last_failure_at: float = 0.0
    locks: int = 0

    def locked(self, now: float) -> bool:
        return self.locked_until > now

    def retry_after(self, now: float) -> int:
        """Whole seconds until the lock ends (at least 1 while locked), for `Retry-After`."""
        return max(1, math.ceil(self.locked_until - now)) if self.locked(now) else 0


def after_failure(
    state: LoginState, now: float, *, max_failures: int = MAX_FAILURES, lock_seconds: int = LOCK_SECONDS
) -> LoginState:
    """The state after a failed attempt at `now` (attempts while locked do not extend the lock)."""
    if state.locked(now):
        return replace(state, last_failure_at=now)
    failures = 1 if state.locked_until else state.failures + 1  # a lock that ran out: a new series begins
    if failures >= max_failures:
        return LoginState(
            failures=failures, locked_until=now + lock_seconds, last_failure_at=now, locks=state.locks + 1
        )
    return LoginState(failures=failures, locked_until=0.0, last_failure_at=now, locks=state.locks)


def after_success(state: LoginState) -> LoginState:
    return LoginState(locks=state.locks)


def unlocked(state: LoginState) -> LoginState:
    """What the back office's unlock leaves: no lock, no failures counted."""
    return LoginState(locks=state.locks)
