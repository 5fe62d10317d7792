"""The platform's claims desk over HTTP.

The connector side lives under the desk's `base_url` (`/claims-desk`), signed by the platform with the desk's
webhook secret as it signs calls to every insurer (401 before the body is read): `POST /claims-desk/claims`,
`GET /claims-desk/claims/{claim_reference}`, `POST /claims-desk/claims/{claim_reference}/facts`.

The adjusters' side is back office (admin key): `GET /claims` (open claims, `?status=` to filter),
`GET /claims/{claim_reference}`, `POST /claims/{claim_reference}/status` with the new status and a note."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ValidationError

from insure.claims_desk.models import (
    ClaimFiledView,
    ClaimProgressView,
    DeskClaim,
    DeskClaims,
    DeskFiling,
    DeskStatus,
    FactsDelivery,
    StatusChange,
)
from insure.errors import DomainError, RuleViolation, field_errors
from insure.http.access import Access, access, services

router = Router()
ModelT = TypeVar("ModelT", bound=BaseModel)
CONNECTOR = ["claims desk (connector)"]
ADJUSTERS = ["back office"]
_SIGNED = [
    {"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
    for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
]


class MalformedJson(DomainError):
    status, title, slug = 400, "Malformed JSON", "malformed-json"


def _parse(model: type[ModelT], raw: str) -> ModelT:
    """A verified raw body validated as `model`: 400 when it is not JSON, 422 naming the broken fields."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            raise MalformedJson("The request body is not valid JSON.") from error
        raise RuleViolation(
            "Some fields are missing or invalid.",
            errors=field_errors(error),
        ) from error


def _request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The published request body of a signed route (read raw, so not declared as a parameter)."""
    schema = model.model_json_schema()
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _signed_body() -> tuple[str, str]:
    """(webhook-id, raw body) of a connector call, verified before anything else."""
    event = router.current_event
    raw = event.decoded_body or ""
    return services(router).desk.verify_connector_call(event.headers, raw), raw


def _json(status: int, body: str) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=body)


@router.post(
    "/claims-desk/claims",
    summary="File a claim with the platform's claims desk (the insurer connector; signed with the desk's secret); "
    "one claim per incident and policy, a repeat names the same claim",
    tags=CONNECTOR,
    responses={201: {"description": "Filed", "content": {"application/json": {"model": ClaimFiledView}}}},
    openapi_extensions={**_request_body(DeskFiling), "parameters": _SIGNED},
)
@access(Access.SIGNED)
def post_desk_claim() -> Response[str]:
    _, raw = _signed_body()
    return _json(201, services(router).desk.file_claim(_parse(DeskFiling, raw)).model_dump_json())


@router.get(
    "/claims-desk/claims/<claim_reference>",
    summary="A desk claim's progress (the insurer connector; signed)",
    tags=CONNECTOR,
    responses={200: {"description": "Progress", "content": {"application/json": {"model": ClaimProgressView}}}},
    openapi_extensions={"parameters": _SIGNED},
)
@access(Access.SIGNED)
def get_desk_claim_progress(claim_reference: str) -> Response[str]:
    _signed_body()
    return _json(200, services(router).desk.progress(claim_reference).model_dump_json())


@router.post(
    "/claims-desk/claims/<claim_reference>/facts",
    summary="Facts learned after the claim was filed (the insurer connector; signed; applied once by webhook-id)",
    tags=CONNECTOR,
    responses={204: {"description": "Applied (or a repeat of a delivery already applied)"}},
    openapi_extensions={**_request_body(FactsDelivery), "parameters": _SIGNED},
)
@access(Access.SIGNED)
def post_desk_claim_facts(claim_reference: str) -> Response[None]:
    webhook_id, raw = _signed_body()
    services(router).desk.receive_facts(claim_reference, _parse(FactsDelivery, raw), webhook_id)
    return Response(status_code=204)


@router.get(
    "/claims",
    summary="The claims desk's open claims, oldest first (admin); `status` filters them",
    tags=ADJUSTERS,
    responses={200: {"description": "Open claims", "content": {"application/json": {"model": DeskClaims}}}},
)
@access(Access.ADMIN)
def get_claims(
    status: Annotated[DeskStatus | None, Query(description="Only claims in this status")] = None,
) -> Response[str]:
    return _json(200, DeskClaims(claims=services(router).desk.open_claims(status)).model_dump_json())


@router.get(
    "/claims/<claim_reference>",
    summary="One desk claim with its facts, history and the facts deliveries it received (admin)",
    tags=ADJUSTERS,
    responses={200: {"description": "The claim", "content": {"application/json": {"model": DeskClaim}}}},
)
@access(Access.ADMIN)
def get_claim(claim_reference: str) -> Response[str]:
    return _json(200, services(router).desk.get_claim(claim_reference).model_dump_json())


@router.post(
    "/claims/<claim_reference>/status",
    summary="An adjuster moves a desk claim (received → assessing → approved | denied → paid → closed) with a note; "
    "the reporter sees it live on the event's timeline (admin)",
    tags=ADJUSTERS,
    responses={200: {"description": "The claim", "content": {"application/json": {"model": DeskClaim}}}},
)
@access(Access.ADMIN)
def post_claim_status(claim_reference: str, change: Annotated[StatusChange, Body()]) -> Response[str]:
    return _json(200, services(router).desk.change_status(claim_reference, change).model_dump_json())
