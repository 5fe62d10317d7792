"""Issued policies: the current version with its items and history, every version with its own PDF, amendments
(submit, read, accept, pay) and cancellation (preview, cancel). The HTTP binding only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
)
from aws_lambda_powertools.event_handler.router import Router

from insure.amendments.models import AmendmentRequest, AmendmentView
from insure.applications.models import AcceptRequest, PaymentRequest
from insure.billing.models import OverduePayment, RenewalAccept, RenewalPayment, RenewalView
from insure.http.access import Access, access, caller, services
from insure.policies.billing import BillingView
from insure.policies.models import (
    CancellationPreview,
    CancellationRequest,
    CancellationView,
    PolicyView,
    VersionsView,
    VersionView,
)
from insure.routes.responses import (
    PAYMENT_REFUSALS,
    PROBLEM,
    IdempotencyKey,
    PaymentKey,
    json_response,
    outcome_response,
)

if TYPE_CHECKING:
    from insure.amendments.service import AmendmentService
    from insure.billing.overdue import OverdueService
    from insure.billing.renewals import RenewalService
    from insure.policies.cancellation import CancellationService
    from insure.policies.service import PolicyService

router = Router()
TAGS = ["policies"]
BEARER = "Requires `Authorization: Bearer <session_token>` of the session that bought it (404 for another's)."
PDF = {200: {"description": "The PDF", "content": {"application/pdf": {"schema": {}}}}}
VersionNumber = Annotated[
    int, Path(description="The version number (1 is the issued policy; 404 for one it does not have)")
]
"""Any whole number: one the policy does not have (0, negative, too high) is 404, as for an unknown id."""


def _amendment_responses(status: int, description: str) -> dict[int, OpenAPIResponse]:
    return {status: {"description": description, "content": {"application/json": {"model": AmendmentView}}}}


def _policies() -> PolicyService:
    return services(router).policies  # type: ignore[no-any-return]


def _amendments() -> AmendmentService:
    return services(router).amendments  # type: ignore[no-any-return]


def _cancellations() -> CancellationService:
    return services(router).cancellation  # type: ignore[no-any-return]


def _renewals() -> RenewalService:
    return services(router).renewals  # type: ignore[no-any-return]


def _overdue() -> OverdueService:
    return services(router).overdue  # type: ignore[no-any-return]


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
    return _policies().get(policy_number, caller(router))


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
    return _pdf(_policies().document(policy_number, caller(router)))


@router.get(
    "/policies/<policy_number>/versions",
    summary="Every version of the policy: number, effective date, who made it, what changed, its document",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_versions(policy_number: str) -> VersionsView:
    return _policies().versions(policy_number, caller(router))


@router.get(
    "/policies/<policy_number>/versions/<version>",
    summary="One version of the policy, as it was issued",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_version(policy_number: str, version: VersionNumber) -> VersionView:
    return _policies().version(policy_number, version, caller(router))


@router.get(
    "/policies/<policy_number>/versions/<version>/document",
    summary="The document of one version (PDF)",
    tags=TAGS,
    description=BEARER,
    responses=PDF,  # type: ignore[arg-type]
)
@access(Access.SESSION)
def get_version_document(policy_number: str, version: VersionNumber):  # type: ignore[no-untyped-def]
    return _pdf(_policies().version_document(policy_number, version, caller(router)))


@router.post(
    "/policies/<policy_number>/amendments",
    summary="Amend the policy: the whole item list after the change and an effective date (no back-dating)",
    tags=TAGS,
    description=BEARER
    + " Re-underwritten against the current rulebook; answers once decided (201 with the decision and, when"
    " approved, the amended offer with its pro-rata `premium_difference`). 409 while another amendment is in flight"
    " or when the policy is cancelled; 422 for a date in the past or an unknown item_id. A repeat with the same"
    " `Idempotency-Key` gets the amendment the first submitted.",
    responses=_amendment_responses(201, "Submitted (status `underwriting` if not decided yet)"),
)
@access(Access.SESSION)
def submit_amendment(
    policy_number: str, body: AmendmentRequest, idempotency_key: IdempotencyKey = None
) -> Response[str]:
    shown = _amendments().submit(policy_number, body, caller(router), idempotency_key)
    return json_response(201, shown.model_dump_json())


@router.get(
    "/policies/<policy_number>/amendments/<amendment_id>",
    summary="The amendment as it stands: status, decision, offer with premium_difference, settlement",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_amendment(policy_number: str, amendment_id: str) -> AmendmentView:
    return _amendments().get(policy_number, amendment_id, caller(router))  # type: ignore[no-any-return]


@router.get(
    "/policies/<policy_number>/amendments/<amendment_id>/terms",
    summary="The terms of the amended offer (their SHA-256 is the offer's terms_sha256)",
    tags=TAGS,
    description=BEARER,
    responses={200: {"description": "The terms, as plain text", "content": {"text/plain": {"schema": {}}}}},
)
@access(Access.SESSION)
def get_amendment_terms(policy_number: str, amendment_id: str) -> Response[str]:
    terms = _amendments().terms(policy_number, amendment_id, caller(router))
    return json_response(200, terms, "text/plain; charset=utf-8")


@router.post(
    "/policies/<policy_number>/amendments/<amendment_id>/accept",
    summary="Accept the amended offer electronically (offer_id and the SHA-256 of the terms shown)",
    tags=TAGS,
    description=BEARER
    + " With nothing to pay (a refund or no difference) the amendment is then settled and issued, and the answer"
    " waits briefly for it.",
)
@access(Access.SESSION)
def accept_amendment(policy_number: str, amendment_id: str, body: AcceptRequest) -> AmendmentView:
    return _amendments().accept(  # type: ignore[no-any-return]
        policy_number, amendment_id, body.offer_id, body.terms_sha256, caller(router)
    )


@router.post(
    "/policies/<policy_number>/amendments/<amendment_id>/payment",
    summary="Pay a positive premium difference by card (or processor token); waits briefly for the new version",
    tags=TAGS,
    description=BEARER
    + " The `Idempotency-Key` header is required (400 without it). 200 issued, 202 still issuing, 402 declined"
    " (at most 3 attempts). A negative difference is refunded at acceptance: then this charges and refunds nothing"
    " and answers the amendment (200); 409 before acceptance.",
    responses={
        **_amendment_responses(200, "Paid and issued as a new version"),
        **PAYMENT_REFUSALS,
    },
)
@access(Access.SESSION)
def pay_amendment(
    policy_number: str,
    amendment_id: str,
    body: PaymentRequest,
    idempotency_key: PaymentKey = None,
) -> Response[str]:
    outcome = _amendments().pay(policy_number, amendment_id, body, idempotency_key, caller(router))
    return outcome_response(outcome)


@router.get(
    "/policies/<policy_number>/cancellation/preview",
    summary="The refund a cancellation effective on a date would give (pro rata, less the minimum premium kept)",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def preview_cancellation(
    policy_number: str,
    effective_date: Annotated[dt.date | None, Query(description="Today or later; today when left out")] = None,
) -> CancellationPreview:
    return _cancellations().preview(policy_number, effective_date, caller(router))  # type: ignore[no-any-return]


@router.post(
    "/policies/<policy_number>/cancellation",
    summary="Cancel the policy from an effective date (today or later) with a reason code; refunds the unearned part",
    tags=TAGS,
    description=BEARER
    + " The policy is `pending_cancellation` until the effective date, `cancelled` from it, as a new version. 409"
    " while an amendment is in flight or once cancelled; a repeat with the same `Idempotency-Key` gets the first"
    " answer (refunded once).",
)
@access(Access.SESSION)
def cancel_policy(
    policy_number: str, body: CancellationRequest, idempotency_key: IdempotencyKey = None
) -> CancellationView:
    return _cancellations().cancel(  # type: ignore[no-any-return]
        policy_number, body, caller(router), idempotency_key
    )


@router.get(
    "/policies/<policy_number>/billing",
    summary="The policy's payment plan, schedule, payments, refunds and balance",
    tags=TAGS,
    description=BEARER,
)
@access(Access.SESSION)
def get_billing(policy_number: str) -> BillingView:
    return _policies().billing(policy_number, caller(router))


@router.post(
    "/policies/<policy_number>/billing/payment",
    summary="Pay what is overdue (a declined installment, or one due and not yet charged) with another card; the "
    "card is kept for the next installments",
    tags=TAGS,
    description=BEARER
    + " `payment_token` is a processor token created for this policy (`client_reference` the policy number; 422 for"
    " a token of anything else). The `Idempotency-Key` header is required (400 without it); a repeat gets the first"
    " answer. 200 with the billing view once paid, 402 declined (the installment keeps its retry schedule), 409 when"
    " nothing is owed, the policy is not active, or a charge of the installment is under way.",
    responses={
        200: {"description": "Paid: the billing view", "content": {"application/json": {"model": BillingView}}},
        400: {"description": "No Idempotency-Key header", "content": PROBLEM},
        402: {"description": "The card was declined (`decline_code`, `installment`)", "content": PROBLEM},
        409: {"description": "Nothing is owed now, or the policy is not active", "content": PROBLEM},
    },
)
@access(Access.SESSION)
def pay_overdue(
    policy_number: str,
    body: OverduePayment,
    idempotency_key: PaymentKey = None,
) -> BillingView:
    _overdue().pay(policy_number, body, idempotency_key, caller(router))
    return _policies().billing(policy_number, caller(router))


@router.get(
    "/policies/<policy_number>/renewal",
    summary="The renewal of the current term: offered (premium, payment plans, terms), declined (why), accepted, "
    "renewed or expired",
    tags=TAGS,
    description=BEARER + " 404 until the renewal is decided (RENEWAL_NOTICE_DAYS, 30, before the term ends).",
)
@access(Access.SESSION)
def get_renewal(policy_number: str) -> RenewalView:
    return _renewals().view(policy_number, caller(router))  # type: ignore[no-any-return]


@router.get(
    "/policies/<policy_number>/renewal/terms",
    summary="The renewal's terms (their SHA-256 is the renewal offer's terms_sha256)",
    tags=TAGS,
    description=BEARER,
    responses={200: {"description": "The terms, as plain text", "content": {"text/plain": {"schema": {}}}}},
)
@access(Access.SESSION)
def get_renewal_terms(policy_number: str) -> Response[str]:
    return json_response(200, _renewals().terms(policy_number, caller(router)), "text/plain; charset=utf-8")


@router.post(
    "/policies/<policy_number>/renewal/accept",
    summary="Accept the renewal electronically (offer_id and the SHA-256 of the terms shown)",
    tags=TAGS,
    description=BEARER + " 409 when the renewal is not offered (declined, expired) or the term has ended.",
)
@access(Access.SESSION)
def accept_renewal(policy_number: str, body: RenewalAccept) -> RenewalView:
    return _renewals().accept(policy_number, body, caller(router))  # type: ignore[no-any-return]


@router.post(
    "/policies/<policy_number>/renewal/payment",
    summary="Pay the accepted renewal: the first installment of the chosen payment_plan is charged to the card kept "
    "at the processor, and the next term is issued as a new version",
    tags=TAGS,
    description=BEARER
    + " The `Idempotency-Key` header is required (400 without it); a repeat gets the first answer, the same key with"
    " another body 422. 402 when the card is declined (`decline_code`); 422 when the plan is not offered or the"
    " token is not this policy's; 409 before acceptance, once the renewal is withdrawn (the policy cancelled or"
    " lapsed) or ran out with the term, or while another change of the policy is under way.",
    responses={
        200: {"description": "Renewed: the renewal", "content": {"application/json": {"model": RenewalView}}},
        **PAYMENT_REFUSALS,
        409: {"description": "Not accepted, withdrawn, ran out, or another change under way", "content": PROBLEM},
    },
)
@access(Access.SESSION)
def pay_renewal(policy_number: str, body: RenewalPayment, idempotency_key: PaymentKey = None) -> Response[str]:
    return outcome_response(_renewals().pay(policy_number, body, idempotency_key, caller(router)))
