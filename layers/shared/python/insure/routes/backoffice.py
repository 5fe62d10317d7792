"""Back office for risk events: tag scanners (`POST /devices`) and risk identification tags (`POST /tags`),
admin only. Device secrets are shown once, in the 201 response."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field

from insure.http.access import Access, access, services
from insure.risk.reporters import CustomerIdentity
from insure.risk.tags import TAG_ID_PATTERN, InsuredObject, TagPolicy
from insure.routes.responses import IdempotencyKey, problem
from insure.types import Text

router = Router()


class RegisterDevice(BaseModel):
    """A tag scanner to register."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(None, max_length=200, examples=["Warehouse scanner 7"])


class DeviceRegistered(BaseModel):
    device_id: str
    secret: str = Field(description="Shown once: `whsec_…`; the scanner signs every scan with it")


class RegisterTag(BaseModel):
    """A risk identification tag on an insured object, its customer and the policies covering it."""

    model_config = ConfigDict(extra="forbid")

    tag_id: str = Field(pattern=TAG_ID_PATTERN, examples=["TAG-0001"])
    kind: Literal["barcode", "qr", "rfid"]
    object: InsuredObject
    customer: CustomerIdentity = Field(
        description="Contact and private information used to recognise the customer when they report"
    )
    policies: list[TagPolicy] = Field(min_length=1, max_length=20)


class TagRegistered(BaseModel):
    """The registered tag (the customer's private information is not echoed)."""

    tag_id: str
    kind: Literal["barcode", "qr", "rfid"]
    object: InsuredObject
    policies: list[TagPolicy]
    created_at: str


def _created(model: BaseModel) -> Response[str]:
    return Response(status_code=201, content_type="application/json", body=model.model_dump_json())


@router.post(
    "/devices",
    summary="Register a tag scanner (admin); its signing secret is shown once",
    tags=["back office"],
    responses={
        201: {"description": "Registered", "content": {"application/json": {"model": DeviceRegistered}}},
        404: problem("The scanner this Idempotency-Key registered no longer exists"),
    },
)
@access(Access.ADMIN)
def post_device(
    body: Annotated[RegisterDevice | None, Body()] = None, idempotency_key: IdempotencyKey = None
) -> Response[str]:
    device = services(router).devices.register(body.name if body else None, idempotency_key=idempotency_key)
    return _created(DeviceRegistered(device_id=device.device_id, secret=device.secrets[0]))


@router.post(
    "/devices/<device_id>/secrets",
    summary="Rotate a scanner's secret (admin): the new one is shown once, the previous one keeps working until "
    "the next rotation",
    tags=["back office"],
    description="A repeat with the same `Idempotency-Key` rotates nothing: it shows the secret the first made (409 "
    "once a later rotation has replaced it).",
    responses={201: {"description": "Rotated", "content": {"application/json": {"model": DeviceRegistered}}}},
)
@access(Access.ADMIN)
def post_device_secret(device_id: str, idempotency_key: IdempotencyKey = None) -> Response[str]:
    secret = services(router).devices.rotate_secret(device_id, idempotency_key=idempotency_key)
    return _created(DeviceRegistered(device_id=device_id, secret=secret))


@router.post(
    "/tags",
    summary="Register a risk identification tag (admin); every policy's insurer must be registered",
    tags=["back office"],
    responses={
        201: {"description": "Registered", "content": {"application/json": {"model": TagRegistered}}},
        404: problem("The tag this Idempotency-Key registered no longer exists"),
        409: problem("The tag (or one of its aliases) is already registered, or the key is in flight"),
    },
)
@access(Access.ADMIN)
def post_tag(body: Annotated[RegisterTag, Body()], idempotency_key: IdempotencyKey = None) -> Response[str]:
    tag = services(router).tags.register(
        body.tag_id, body.kind, body.object, body.customer, body.policies, idempotency_key=idempotency_key
    )
    return _created(
        TagRegistered(
            tag_id=tag.tag_id, kind=tag.kind, object=tag.object, policies=tag.policies, created_at=tag.created_at
        )
    )
