"""What several routers answer alike: the problem content, a JSON (or text) response from a serialized body, and a
payment's binding (application, amendment): the `Idempotency-Key` header it requires, its refusals, its outcome;
the optional `Idempotency-Key` of a creating POST."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)

from insure.routes.openapi import REQUIRED_HEADER

if TYPE_CHECKING:
    from insure.payments.outcome import Outcome

PROBLEM: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
}
"""An RFC 9457 problem, as a response's content."""


def problem(description: str) -> OpenAPIResponse:
    """An error response a route declares itself (one the document cannot derive from its path and input)."""
    return {"description": description, "content": PROBLEM}


PaymentKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", description="Required: one key per payment attempt", json_schema_extra=REQUIRED_HEADER
    ),
]
"""A payment's `Idempotency-Key` header: published as required; its absence is the service's 400."""

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Optional: a repeat with the same key and body returns the first response; another body is 422",
    ),
]
"""The `Idempotency-Key` header a creating POST honours (../shared/API.md): optional, published."""

PAYMENT_REFUSALS: dict[int, OpenAPIResponse] = {
    402: {"description": "The card was declined (`decline_code`, `attempts_remaining`)", "content": PROBLEM},
    400: {"description": "No Idempotency-Key header", "content": PROBLEM},
}
"""The refusals a payment route publishes besides its own answers."""


def json_response(status: int, body: str, content_type: str = "application/json") -> Response[str]:
    return Response(status_code=status, content_type=content_type, body=body)


def outcome_response(outcome: Outcome) -> Response[str]:
    """A payment's outcome (its view, 200 or 202) as the response (a refusal was raised as a domain error)."""
    return json_response(outcome.status_code, json.dumps(outcome.body))
