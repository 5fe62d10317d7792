"""The platform's one clock and the one format for a time in a response or a stored record.

Format: RFC 3339, UTC, whole seconds, `Z` (`2026-12-01T05:00:00Z`). Every time the platform writes goes through
`rfc3339` (or `now`), so clients parse one shape everywhere and stored strings sort as times.

Clock: `current()` (an aware datetime), `epoch()` (seconds), `today()` (the UTC date) are the only sources of "now"
for business time (policy terms, installments, renewals, offers, sessions). In AWS the clock is the system's; the
local cloud and the tests move it forward with `advance` (a process-wide offset) instead of waiting, so a scheduled
function sees "31 days later" at once. Plain standard library: cheap on every cold path."""

from __future__ import annotations

import datetime as dt
import time

PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
"""What every serialized time matches (tests check responses against it)."""

_offset_s: float = 0.0  # how far the clock is ahead of the system's (0 in AWS; moved by the local cloud and tests)


def epoch() -> float:
    """Now, in seconds since the epoch."""
    return time.time() + _offset_s


def current() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(epoch(), tz=dt.UTC)


def today() -> dt.date:
    """Today's date in UTC."""
    return current().date()


def advance(by: dt.timedelta) -> dt.datetime:
    """Move the clock forward by `by` (the local cloud's clock control and tests); the new now."""
    global _offset_s  # noqa: PLW0603 - the one clock of this process, by design
    if by < dt.timedelta(0):
        raise ValueError("The clock only moves forward.")
    _offset_s += by.total_seconds()
    return current()


def offset() -> dt.timedelta:
    """How far the clock is ahead of the system's."""
    return dt.timedelta(seconds=_offset_s)


def reset() -> None:
    """Back to the system's time (tests)."""
    global _offset_s  # noqa: PLW0603
    _offset_s = 0.0


def rfc3339(moment: dt.datetime) -> str:
    """`moment` in UTC as `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second dropped; a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_epoch(seconds: float) -> str:
    """An epoch time (TTL attributes, session expiries) in the same format."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def in_words(seconds: float) -> str:
    """An epoch time as a person reads it in a message, in UTC: `3 December 2026, 10:08 UTC`."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def now() -> str:
    """The current time in the same format."""
    return from_epoch(epoch())


def normalize(text: str | None) -> str:
    """A time another party wrote in any RFC 3339 form (an offset, fractions) in the platform's format; a missing
    or unreadable one becomes the time it was received."""
    if text:
        try:
            return rfc3339(parse(text))
        except ValueError:
            pass
    return now()


def parse(text: str) -> dt.datetime:
    """An RFC 3339 string as an aware datetime (`Z` or an offset)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
