"""Domain exceptions. Logic raises these; `insure.http.problems` maps them to RFC 9457 responses once, and the
state machine matches their class names in `Catch`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field, addressed like `items[0].value`."""

    field: str
    message: str


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """A pydantic error location as a client reads it: `("body", "items", 0, "value")` → `items[0].value`."""
    path = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def field_errors(error: ValidationError) -> list[FieldError]:
    """The field errors of a pydantic validation error (the one place they are translated)."""
    return [FieldError(field_path(tuple(e["loc"])), str(e.get("msg", "invalid value"))) for e in error.errors()]


class DomainError(Exception):
    """Base of every error a client may see; `status` and `title` become the problem response."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}  # e.g. Retry-After on 423 and 429
        self.extensions = extensions or {}  # RFC 9457 extension members, e.g. a decline's `attempts_remaining`


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class RuleViolation(DomainError):
    """Valid JSON that breaks a business rule: the person can correct the named fields."""

    status, title, slug = 422, "Unprocessable content", "rule-violation"


class Locked(DomainError):
    """The account is locked after repeated failed logins; `Retry-After` says for how long."""

    status, title, slug = 423, "Locked", "locked"


class PaymentDeclined(DomainError):
    """The card processor declined the charge; the problem carries `decline_code` and `attempts_remaining`."""

    status, title, slug = 402, "Payment declined", "payment-declined"


class Throttled(DomainError):
    status, title, slug = 429, "Too many requests", "throttled"


class TransientError(Exception):
    """A dependency failed in a way worth retrying (the state machine retries it by this name)."""
