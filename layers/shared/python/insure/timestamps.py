"""The one format for a time in a response or a stored record: RFC 3339, UTC, whole seconds, `Z`
(`2026-12-01T05:00:00Z`). Every time the platform writes goes through `rfc3339` (or `now`), so clients parse one
shape everywhere and stored strings sort as times. Plain standard library: cheap on every cold path."""

from __future__ import annotations

import datetime as dt
import time

PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
"""What every serialized time matches (tests check responses against it)."""


def rfc3339(moment: dt.datetime) -> str:
    """`moment` in UTC as `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second dropped; a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_epoch(seconds: float) -> str:
    """An epoch time (TTL attributes, session expiries) in the same format."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def now() -> str:
    """The current time in the same format."""
    return from_epoch(time.time())


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
