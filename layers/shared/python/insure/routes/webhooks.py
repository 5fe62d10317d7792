"""Insurers push claim progress: `POST /webhooks/insurers/{insurer_id}`, Standard Webhooks signed.

The body is read raw (the signature covers the exact bytes) and parsed only once verified, so a forged request
is 401 whatever it carries; the body's schema is published from the model by hand for the same reason."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from insure.http.access import Access, access, services
from insure.risk.webhooks import InsurerWebhook

router = Router()

_SIGNED = {"schema": {"type": "string"}, "required": True}


@router.post(
    "/webhooks/insurers/<insurer_id>",
    summary="Claim-progress update from an insurer (signed with its webhook secret); duplicates by webhook-id "
    "are acknowledged once, older statuses ignored",
    tags=["partners"],
    responses={204: {"description": "Accepted (or a duplicate, or an older status: ignored)"}},
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": InsurerWebhook.model_json_schema()}},
        },
        "parameters": [
            {"name": "insurer_id", "in": "path", "required": True, "schema": {"type": "string"}},
            *({"name": h, "in": "header", **_SIGNED} for h in ("webhook-id", "webhook-timestamp", "webhook-signature")),
        ],
    },
)
@access(Access.SIGNED)
def post_insurer_webhook(insurer_id: str) -> Response[None]:
    event = router.current_event
    services(router).webhooks.receive(insurer_id, event.headers, event.body or "")
    return Response(status_code=204)
