"""Back office: the insurer registry (`POST /insurers`, `GET /insurers`), admin only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, Field

from insure.http.access import Access, access, services
from insure.risk.insurers import DEFAULT_REPORTING_DEADLINE_HOURS, Insurer, Salesperson
from insure.types import Text

router = Router()
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Optional: a repeat with the same key and body returns the first response; another body is 422",
    ),
]


class RegisterInsurer(BaseModel):
    """An insurer to file claims with."""

    name: Text = Field(min_length=1, max_length=200, examples=["Acme Mutual"])
    base_url: str = Field(
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        max_length=500,
        description="Base URL of the insurer's claims API (the platform calls `{base_url}/claims`)",
        examples=["https://claims.acme-mutual.example/v1"],
    )
    salesperson: Salesperson
    reporting_deadline_hours: int = Field(
        DEFAULT_REPORTING_DEADLINE_HOURS, ge=1, le=24 * 90, description="How soon a loss must be reported"
    )


class InsurerRegistered(BaseModel):
    insurer_id: str
    name: str
    webhook_secret: str = Field(description="Shown once: signs the platform's calls and the insurer's webhooks")


class InsurerSummary(BaseModel):
    """An insurer as the back office sees it (never its secrets)."""

    insurer_id: str
    name: str
    base_url: str
    salesperson: Salesperson
    reporting_deadline_hours: int

    @classmethod
    def of(cls, insurer: Insurer) -> InsurerSummary:
        return cls(
            insurer_id=insurer.insurer_id,
            name=insurer.name,
            base_url=insurer.base_url,
            salesperson=insurer.salesperson,
            reporting_deadline_hours=insurer.reporting_deadline_hours,
        )


class InsurerList(BaseModel):
    insurers: list[InsurerSummary]


@router.post(
    "/insurers",
    summary="Register an insurer (admin); its webhook secret is shown once",
    tags=["back office"],
    responses={201: {"description": "Registered", "content": {"application/json": {"model": InsurerRegistered}}}},
)
@access(Access.ADMIN)
def post_insurer(body: Annotated[RegisterInsurer, Body()], idempotency_key: IdempotencyKey = None) -> Response[str]:
    insurer = services(router).insurers.register(
        body.name,
        body.base_url,
        body.salesperson,
        reporting_deadline_hours=body.reporting_deadline_hours,
        idempotency_key=idempotency_key,
    )
    registered = InsurerRegistered(
        insurer_id=insurer.insurer_id, name=insurer.name, webhook_secret=insurer.signing_secret
    )
    return Response(status_code=201, content_type="application/json", body=registered.model_dump_json())


@router.get("/insurers", summary="Registered insurers (admin), never their secrets", tags=["back office"])
@access(Access.ADMIN)
def get_insurers() -> InsurerList:
    return InsurerList(insurers=[InsurerSummary.of(i) for i in services(router).insurers.list()])
