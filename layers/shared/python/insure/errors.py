"""Domain exceptions. Logic raises these; `insure.http.problems` maps them to RFC 9457 responses once, and the
state machine matches their class names in `Catch`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field, addressed like `items[0].value`."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error a client may see; `status` and `title` become the problem response."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}  # e.g. Retry-After on 423 and 429


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
    status, title, slug = 402, "Payment declined", "payment-declined"


class Throttled(DomainError):
    status, title, slug = 429, "Too many requests", "throttled"


class TransientError(Exception):
    """A dependency failed in a way worth retrying (the state machine retries it by this name)."""
