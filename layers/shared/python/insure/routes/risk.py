"""Risk events over HTTP: signed scans (`POST /scans`), web reports (`POST /risk-events`), the reporter's view
(`GET /risk-events/{id}`, with a strong ETag; also the customer's, with their access token), facts from the person
on site (`POST /risk-events/{id}/facts`) and a signed-in customer's events (`GET /me/risk-events`).

`POST /scans` reads the body raw: the signature covers the exact bytes, so it is verified (against the secrets of
the device the body names) before the body is validated, and a forged request is 401 whatever it carries; its
schema is therefore published by hand from the model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from insure.callers import owned
from insure.errors import NotFound, RuleViolation, Unauthorized, field_errors
from insure.headers import header
from insure.http.access import Access, access, caller, services
from insure.risk.customer_events import CustomerRiskEvents
from insure.risk.event_models import Location, Opened, RiskEvent, RiskEventView
from insure.risk.facts import Facts
from insure.risk.reporters import SHARE_CONTACT, ReporterIdentity
from insure.routes.responses import IdempotencyKey, problem
from insure.types import Text

router = Router()


class ScanReporter(BaseModel):
    """The person holding the scanner, if they say who they are."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(None, max_length=200)
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    share_contact_with_insurers: bool = Field(False, description=SHARE_CONTACT)


class ScanRequest(BaseModel):
    """A tag scan, signed by the scanner (Standard Webhooks headers, the device's secret)."""

    model_config = ConfigDict(extra="forbid")

    scan_id: Text = Field(min_length=1, max_length=128, description="Unique per scan: a repeat returns the same event")
    tag_id: Text = Field(min_length=1, max_length=128)
    device_id: Text = Field(min_length=1, max_length=64, description="The scanner whose secret signed the request")
    scanned_at: datetime
    location: Location
    reporter: ScanReporter | None = None


class WebReporter(ReporterIdentity):
    """The person reporting from the web; private details (date of birth, last four digits of the phone, postal
    code) let the platform recognise the customer."""

    name: Text = Field(min_length=1, max_length=200)


class ReportRiskEvent(BaseModel):
    """A risk event reported from the web, by tag id or by policy number."""

    model_config = ConfigDict(extra="forbid")

    tag_id: Text | None = Field(None, min_length=1, max_length=128)
    policy_number: Text | None = Field(None, min_length=1, max_length=64)
    reporter: WebReporter
    location: Location | None = None
    occurred_at: datetime | None = None
    facts: Facts | None = None

    @model_validator(mode="after")
    def _one_way_to_find_the_object(self) -> ReportRiskEvent:
        if (self.tag_id is None) == (self.policy_number is None):
            raise ValueError("send either tag_id or policy_number")
        return self


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its `$defs` inlined (for a hand-published request body)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


_SIGNED = {"schema": {"type": "string"}, "required": True}


def _header(name: str) -> str | None:
    """A request header of this request, in any case (None when absent or empty)."""
    return header(router.current_event.headers, name)


def _field_errors(error: ValidationError) -> RuleViolation:
    return RuleViolation("Some fields are missing or invalid.", errors=field_errors(error))


@router.post(
    "/scans",
    summary="A tag scan from a scanner, signed with its device secret; a repeated scan_id returns the same event",
    tags=["risk events"],
    responses={
        202: {
            "description": "Event opened (or the one a repeat opened)",
            "content": {"application/json": {"model": Opened}},
        },
        404: problem("No tag with this tag_id"),
        409: problem("The same scan is still being processed; retry shortly"),
    },
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(ScanRequest.model_json_schema())}},
        },
        "parameters": [
            {"name": h, "in": "header", **_SIGNED} for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
        ],
    },
)
@access(Access.SIGNED)
def post_scan() -> Response[str]:
    from insure import metrics

    risk = services(router)
    event = router.current_event
    raw = event.decoded_body or ""
    message_id = risk.devices.verify_scan(event.headers, raw)
    try:
        scan = ScanRequest.model_validate_json(raw)
    except ValidationError as error:
        raise _field_errors(error) from error
    opened = risk.intake.open_from_scan(
        scan_id=scan.scan_id,
        tag_id=scan.tag_id,
        device_id=scan.device_id,
        scanned_at=scan.scanned_at,
        location=scan.location,
        reporter=ReporterIdentity(**scan.reporter.model_dump()) if scan.reporter else None,
        message_id=message_id,
    )
    metrics.count(metrics.SCANS_ACCEPTED)
    return Response(status_code=202, content_type="application/json", body=opened.model_dump_json())


@router.post(
    "/risk-events",
    summary="Report a risk event from the web, by tag id or policy number (Idempotency-Key honoured)",
    tags=["risk events"],
    responses={
        201: {"description": "Event opened", "content": {"application/json": {"model": Opened}}},
        404: problem("No tag with this tag_id, or no insured object with this policy number"),
    },
)
@access(Access.PUBLIC)
def post_risk_event(body: Annotated[ReportRiskEvent, Body()], idempotency_key: IdempotencyKey = None) -> Response[str]:
    opened = services(router).intake.open_from_web(
        tag_id=body.tag_id,
        policy_number=body.policy_number,
        reporter=ReporterIdentity(**body.reporter.model_dump()),
        location=body.location,
        occurred_at=body.occurred_at,
        facts=body.facts,
        idempotency_key=idempotency_key,
        payload=body.model_dump(mode="json"),
    )
    return Response(status_code=201, content_type="application/json", body=opened.model_dump_json())


def _reported(risk_event_id: str) -> str:
    """The event id, if the caller reported it (404 otherwise, as for an unknown event)."""
    return owned(risk_event_id, caller(router), missing=f"No risk event {risk_event_id}.")


def _readable(risk_event_id: str) -> RiskEvent:
    """The event, if the caller reported it or it is the customer's event on one of the signed-in customer's
    policies (404 otherwise, as for an unknown event)."""
    from insure.callers import Customer

    risk, who = services(router), caller(router)
    missing = f"No risk event {risk_event_id}."
    if isinstance(who, Customer):
        found = risk.event_store.get(risk_event_id)
        if found is None or not risk.views.customer_may_read(found[0], who):
            raise NotFound(missing)
        return found[0]
    found = risk.event_store.get(owned(risk_event_id, who, missing=missing))
    if found is None:
        raise NotFound(missing)
    return found[0]


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


@router.get(
    "/risk-events/<risk_event_id>",
    summary="The risk event as its reporter sees it (Authorization: Bearer <reporter_token>), or as the customer "
    "whose policy it is on (their access_token, for as long as the account exists); strong ETag, If-None-Match "
    "answers 304",
    tags=["risk events"],
    responses={
        200: {"description": "The event", "content": {"application/json": {"model": RiskEventView}}},
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
    },
)
@access(Access.REPORTER_OR_CUSTOMER)
def get_risk_event(risk_event_id: str) -> Response[str]:
    from insure.risk.event_views import etag_of

    representation = services(router).views.view_of(_readable(risk_event_id))
    etag = etag_of(representation)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(_header("if-none-match"), etag):
        return Response(status_code=304, headers=headers, body="")
    return Response(
        status_code=200, content_type="application/json", body=representation.model_dump_json(), headers=headers
    )


@router.get(
    "/me/risk-events",
    summary="The signed-in customer's risk events on their policies, newest first (at most 50), each with its "
    "status and every insurer's status by name (Authorization: Bearer <access_token>)",
    tags=["risk events"],
)
@access(Access.CUSTOMER)
def get_my_risk_events() -> CustomerRiskEvents:
    from insure.callers import Customer
    from insure.risk.customer_events import events_of

    risk, who = services(router), caller(router)
    if not isinstance(who, Customer):  # the edge lets only customers in
        raise Unauthorized("Send Authorization: Bearer <access_token>.")
    return events_of(who, events=risk.event_store, timeline=risk.named_timeline)


@router.post(
    "/risk-events/<risk_event_id>/facts",
    summary="Facts from the person on site (event type, injuries, description...); returns the event with its "
    "updated guidance (the reporter token is checked before the body is read)",
    tags=["risk events"],
)
@access(Access.REPORTER)
def post_facts(risk_event_id: str, body: Annotated[Facts, Body()]) -> RiskEventView:
    risk = services(router)
    return risk.views.view_of(risk.updates.apply_facts(_reported(risk_event_id), body))
