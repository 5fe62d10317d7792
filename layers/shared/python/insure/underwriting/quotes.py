"""Stored quotes: `POST /quotes` keeps each quote for `QUOTE_VALIDITY` so `POST /applications` can refer to it.

Item: `pk = QUOTE#<quote_id>`, `sk = QUOTE`, with the request and result as JSON and `expires_at_epoch` for the
table's TTL (reads also check the expiry, since TTL deletion is lazy).
"""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from insure import timestamps
from insure.products.models import QuoteRequest
from insure.underwriting.models import QuoteResult

if TYPE_CHECKING:
    from insure.applications.ports import Idempotency

QUOTE_VALIDITY = datetime.timedelta(minutes=30)


class StoredQuote(BaseModel):
    """A quote as stored: what was asked, what was answered, until when it holds."""

    quote_id: str
    request: QuoteRequest
    result: QuoteResult
    created_at: datetime.datetime
    expires_at: datetime.datetime


class QuoteStore:
    """Quotes in the single table (a repository: callers never see DynamoDB)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def put(self, quote: StoredQuote) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"QUOTE#{quote.quote_id}"},
                "sk": {"S": "QUOTE"},
                "entity": {"S": "quote"},
                "request": {"S": quote.request.model_dump_json()},
                "result": {"S": quote.result.model_dump_json()},
                "created_at": {"S": quote.created_at.isoformat()},
                "expires_at": {"S": quote.expires_at.isoformat()},
                "expires_at_epoch": {"N": str(int(quote.expires_at.timestamp()))},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get(self, quote_id: str) -> StoredQuote | None:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"QUOTE#{quote_id}"}, "sk": {"S": "QUOTE"}}
        ).get("Item")
        if not item:
            return None
        return StoredQuote(
            quote_id=quote_id,
            request=QuoteRequest.model_validate_json(item["request"]["S"]),
            result=QuoteResult.model_validate_json(item["result"]["S"]),
            created_at=datetime.datetime.fromisoformat(item["created_at"]["S"]),
            expires_at=datetime.datetime.fromisoformat(item["expires_at"]["S"]),
        )


def _store() -> QuoteStore:
    from insure.aws import client
    from insure.settings import get_settings

    return QuoteStore(client("dynamodb"), get_settings().table_name)


def new_quote_id() -> str:
    return "q_" + secrets.token_urlsafe(12)


def save_quote(request: QuoteRequest, result: QuoteResult, *, now: datetime.datetime | None = None) -> StoredQuote:
    """Store a priced quote for `QUOTE_VALIDITY`."""
    created = now or timestamps.current()
    quote = StoredQuote(
        quote_id=new_quote_id(),
        request=request,
        result=result,
        created_at=created,
        expires_at=created + QUOTE_VALIDITY,
    )
    _store().put(quote)
    return quote


def get_quote(quote_id: str, *, now: datetime.datetime | None = None) -> StoredQuote | None:
    """The stored quote, or None when the id is unknown or the quote has expired."""
    if not quote_id or len(quote_id) > 64:
        return None
    quote = _store().get(quote_id)
    moment = now or timestamps.current()
    if quote is None or quote.expires_at <= moment:
        return None
    return quote


def issue_quote(request: QuoteRequest, idempotency: Idempotency, *, idempotency_key: str | None = None) -> StoredQuote:
    """Price `request` with the current rulebooks and store the quote (what `POST /quotes` does). With an
    `Idempotency-Key` a repeat of the same body returns the first quote, and another body is a RuleViolation."""
    from insure.underwriting import quote

    def effect() -> dict[str, Any]:
        from insure import metrics

        stored = save_quote(request, quote(request))
        metrics.count(metrics.QUOTES_GIVEN)
        return stored.model_dump(mode="json")

    if not idempotency_key:
        return StoredQuote.model_validate(effect())
    first = idempotency.run_once("quote", idempotency_key, request.model_dump(mode="json"), effect)
    return StoredQuote.model_validate(first)
