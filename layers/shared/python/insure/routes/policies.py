"""Issued policies: the current version with its history, and the PDF document."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from insure.http.access import Access, access, caller
from insure.policies.models import PolicyView
from insure.policies.service import policy_service

router = Router()
TAGS = ["policies"]
BEARER = "Requires `Authorization: Bearer <session_token>` of the session that bought it (404 for another's)."


@router.get(
    "/policies/<policy_number>", summary="The policy: current version and history", tags=TAGS, description=BEARER
)
@access(Access.SESSION)
def get_policy(policy_number: str) -> PolicyView:
    return policy_service().get(policy_number, caller(router))


@router.get(
    "/policies/<policy_number>/document",
    summary="The policy document (PDF)",
    tags=TAGS,
    description=BEARER,
    responses={200: {"description": "The PDF", "content": {"application/pdf": {"schema": {}}}}},
)
@access(Access.SESSION)
def get_policy_document(policy_number: str):  # type: ignore[no-untyped-def]
    # No return annotation on purpose: the validating resolver would serialize the PDF bytes as text.
    pdf = policy_service().document(policy_number, caller(router))
    return Response(status_code=200, content_type="application/pdf", body=pdf)
