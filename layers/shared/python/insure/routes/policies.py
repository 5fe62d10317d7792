"""Issued policies: the current version with its items and history, every version with its own PDF."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import Router

from insure.http.access import Access, access, caller
from insure.policies.models import PolicyView, VersionsView, VersionView
from insure.policies.service import policy_service

router = Router()
TAGS = ["policies"]
BEARER = "Requires `Authorization: Bearer <session_token>` of the session that bought it (404 for another's)."
PDF = {200: {"description": "The PDF", "content": {"application/pdf": {"schema": {}}}}}
VersionNumber = Annotated[int, Path(ge=1, le=9999, description="The version number (1 is the issued policy)")]


def _pdf(pdf: bytes) -> Response[bytes]:
    return Response(status_code=200, content_type="application/pdf", body=pdf)


@router.get(
    "/policies/<policy_number>",
    summary="The policy: current version, its covered items (each with its item_id) and history",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_policy(policy_number: str) -> PolicyView:
    return policy_service().get(policy_number, caller(router))


@router.get(
    "/policies/<policy_number>/document",
    summary="The document of the current version (PDF)",
    tags=TAGS,
    description=BEARER,
    responses=PDF,  # type: ignore[arg-type]
)
@access(Access.SESSION)
def get_policy_document(policy_number: str):  # type: ignore[no-untyped-def]
    # No return annotation on purpose: the validating resolver would serialize the PDF bytes as text.
    return _pdf(policy_service().document(policy_number, caller(router)))


@router.get(
    "/policies/<policy_number>/versions",
    summary="Every version of the policy: number, effective date, who made it, what changed, its document",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_versions(policy_number: str) -> VersionsView:
    return policy_service().versions(policy_number, caller(router))


@router.get(
    "/policies/<policy_number>/versions/<version>",
    summary="One version of the policy, as it was issued",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_version(policy_number: str, version: VersionNumber) -> VersionView:
    return policy_service().version(policy_number, version, caller(router))


@router.get(
    "/policies/<policy_number>/versions/<version>/document",
    summary="The document of one version (PDF)",
    tags=TAGS,
    description=BEARER,
    responses=PDF,  # type: ignore[arg-type]
)
@access(Access.SESSION)
def get_version_document(policy_number: str, version: VersionNumber):  # type: ignore[no-untyped-def]
    return _pdf(policy_service().version_document(policy_number, version, caller(router)))
