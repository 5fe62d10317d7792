"""Insurers push claim progress: `POST /webhooks/insurers/{insurer_id}`, Standard Webhooks signed.

The body is read raw (the signature covers the exact bytes) and parsed only once verified, so a forged request
is 401 whatever it carries; its schema is published here by hand for the same reason."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

router = Router()

_STATUSES = ["received", "assessing", "approved", "denied", "paid", "closed"]
_SIGNED = {"schema": {"type": "string"}, "required": True}
_BODY_SCHEMA = {
    "title": "InsurerWebhook",
    "type": "object",
    "required": ["risk_event_id", "claim_reference", "status", "updated_at"],
    "properties": {
        "risk_event_id": {"type": "string"},
        "claim_reference": {"type": "string"},
        "status": {"type": "string", "enum": _STATUSES},
        "updated_at": {"type": "string", "format": "date-time"},
        "note": {"type": ["string", "null"]},
    },
}


@router.post(
    "/webhooks/insurers/<insurer_id>",
    summary="Claim-progress update from an insurer (signed with its webhook secret); duplicates by webhook-id "
    "are acknowledged once, older statuses ignored",
    tags=["partners"],
    responses={204: {"description": "Accepted (or a duplicate, or an older status: ignored)"}},
    openapi_extensions={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}},
        "parameters": [
            {"name": "insurer_id", "in": "path", "required": True, "schema": {"type": "string"}},
            *({"name": h, "in": "header", **_SIGNED} for h in ("webhook-id", "webhook-timestamp", "webhook-signature")),
        ],
    },
)
def post_insurer_webhook(insurer_id: str) -> Response[None]:
    from insure.risk.webhooks import receive

    event = router.current_event
    receive(insurer_id, event.headers, event.body or "")
    return Response(status_code=204)
