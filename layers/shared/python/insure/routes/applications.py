"""Applications: open in a session, change, submit, accept the offer, pay (the HTTP binding only)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
)
from aws_lambda_powertools.event_handler.router import Router

from insure.applications.models import (
    AcceptRequest,
    ApplicationCreated,
    ApplicationPatch,
    ApplicationRequest,
    ApplicationView,
    PaymentRequest,
)
from insure.applications.service import ApplicationService
from insure.http.access import Access, access, caller, services
from insure.routes.responses import PAYMENT_REFUSALS, PaymentKey, json_response, outcome_response, problem

router = Router()
TAGS = ["applications"]
BEARER = "Requires `Authorization: Bearer <session_token>` (401 without a live session, 404 for another's)."


def _applications() -> ApplicationService:
    """The service the function's composition root built (`insure.roots.applications`)."""
    service: ApplicationService = services(router).applications
    return service


def _view_responses(extra: dict[int, str]) -> dict[int, OpenAPIResponse]:
    responses: dict[int, OpenAPIResponse] = {
        200: {"description": "The application", "content": {"application/json": {"model": ApplicationView}}}
    }
    for status, description in extra.items():
        responses[status] = {"description": description, "content": {"application/json": {"model": ApplicationView}}}
    return responses


@router.post(
    "/applications",
    summary="Open an application in a new session (the session token is shown once)",
    tags=TAGS,
    description="Open to anyone. With a customer's `Authorization: Bearer <access_token>` the application belongs "
    "to that customer's account from the start (401 when that access token is not live).",
    responses={
        201: {"description": "Opened", "content": {"application/json": {"model": ApplicationCreated}}},
        404: problem("No rulebook of this product is on sale"),
    },
)
@access(Access.PUBLIC_OR_CUSTOMER)
def create_application(
    body: ApplicationRequest,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Optional: a repeat with the same key and body returns the first response (the same "
            "session); another body is 422",
        ),
    ] = None,
) -> Response[str]:
    created = _applications().create(body, caller(router), idempotency_key)
    return json_response(201, created.model_dump_json())


@router.get("/applications/<application_id>", summary="The application as it stands", tags=TAGS, description=BEARER)
@access(Access.SESSION)
def get_application(application_id: str) -> ApplicationView:
    return _applications().get(application_id, caller(router))


@router.patch(
    "/applications/<application_id>",
    summary="Change a draft or declined application (then submit again)",
    tags=TAGS,
    description=BEARER + " Top-level fields sent replace the stored ones; 409 unless draft or declined.",
)
@access(Access.SESSION)
def patch_application(application_id: str, body: ApplicationPatch) -> ApplicationView:
    return _applications().patch(application_id, body, caller(router))


@router.post(
    "/applications/<application_id>/submit",
    summary="Start underwriting and wait briefly for the decision",
    tags=TAGS,
    description=BEARER + " 200 with the decision (and offer), or 202 while still underwriting.",
    responses=_view_responses({202: "Still underwriting; GET the application shortly"}),
)
@access(Access.SESSION)
def submit_application(application_id: str) -> Response[str]:
    status, shown = _applications().submit(application_id, caller(router))
    return json_response(status, shown.model_dump_json())


@router.get(
    "/applications/<application_id>/terms",
    summary="The terms document of the offer (its SHA-256 is the offer's terms_sha256)",
    tags=TAGS,
    description=BEARER,
    responses={200: {"description": "The terms, as plain text", "content": {"text/plain": {"schema": {}}}}},
)
@access(Access.SESSION)
def get_terms(application_id: str) -> Response[str]:
    terms = _applications().terms(application_id, caller(router))
    return json_response(200, terms, "text/plain; charset=utf-8")


@router.post(
    "/applications/<application_id>/accept",
    summary="Accept the offer electronically (offer_id and the SHA-256 of the terms shown)",
    tags=TAGS,
    description=BEARER + " 422 when the hash or offer id does not match; 409 unless offered.",
)
@access(Access.SESSION)
def accept_offer(application_id: str, body: AcceptRequest) -> ApplicationView:
    return _applications().accept(application_id, body, caller(router))


@router.post(
    "/applications/<application_id>/payment",
    summary="Pay the premium by card (or processor token) and wait briefly for issuance",
    tags=TAGS,
    description=BEARER
    + " The `Idempotency-Key` header is required (400 without it): a repeat with the same key and body returns"
    " the first response, another body with the same key is 422. 200 issued, 202 still issuing, 402 declined"
    " (at most 3 attempts).",
    responses={
        **_view_responses({202: "Paid; the policy is being issued"}),
        **PAYMENT_REFUSALS,
    },
)
@access(Access.SESSION)
def pay(
    application_id: str,
    body: PaymentRequest,
    idempotency_key: PaymentKey = None,
) -> Response[str]:
    outcome = _applications().pay(application_id, body, idempotency_key, caller(router))
    return outcome_response(outcome)
