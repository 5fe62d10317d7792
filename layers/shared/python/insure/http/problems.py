"""RFC 9457 problem details: the single place where errors become HTTP responses (`field_path` is re-exported
from `insure.errors`)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from insure.errors import DomainError, FieldError, field_path

__all__ = ["PROBLEM_BASE", "PROBLEM_JSON", "field_path", "from_domain_error", "from_validation_errors", "problem"]

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://problems.insurance-platform.example/"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    """A problem response; `errors` lists field errors for validation problems, `extensions` adds members."""
    body: dict[str, Any] = {**(extensions or {})}
    body |= {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return Response(status_code=status, content_type=PROBLEM_JSON, body=json.dumps(body), headers=headers or {})


def slug_of(body: str) -> str | None:
    """The slug of a problem body (`…/validation-failed` → `validation-failed`), for logs."""
    try:
        kind = json.loads(body).get("type", "")
    except (ValueError, AttributeError):
        return None
    return kind.removeprefix(PROBLEM_BASE) if isinstance(kind, str) else None


def from_domain_error(error: DomainError) -> Response:
    return problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors,
        headers=error.headers,
        extensions=error.extensions,
    )


def from_validation_errors(errors: list[dict[str, Any]]) -> Response:
    """Pydantic errors → 400 for malformed JSON, 422 with field errors otherwise."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "Malformed JSON", "The request body is not valid JSON.", slug="malformed-json")
    if any(e.get("type") == "unsupported_content_type" for e in errors):
        return problem(415, "Unsupported media type", "Send application/json.", slug="unsupported-media-type")
    fields = []
    for e in errors:
        loc = tuple(e.get("loc", ()))
        if e.get("type") == "missing" and loc[:1] == ("body",) and len(loc) == 1:
            fields.append(FieldError("body", "A JSON body is required."))
            continue
        fields.append(FieldError(field_path(loc), str(e.get("msg", "invalid value"))))
    return problem(
        422, "Validation failed", "Some fields are missing or invalid.", slug="validation-failed", errors=fields
    )
