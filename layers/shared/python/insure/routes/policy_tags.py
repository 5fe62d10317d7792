"""The customer and their items' tags: read an item's tag, attach a tag they already have (RFID or barcode), add
another insurer's policy on the same object. Authorized like the policy itself (`Access.SESSION`: 401 without a
live session before the body is read, 404 for another's policy as for an unknown one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field

from insure.http.access import Access, access, caller, services
from insure.policies.models import PolicyVersion
from insure.risk.tags import TAG_ID_PATTERN, InsuredObject, PhysicalTag, Tag, TagPolicy
from insure.types import Text

if TYPE_CHECKING:
    from insure.policies.service import PolicyService

router = Router()
TAGS = ["policies"]
BEARER = "Requires `Authorization: Bearer <session_token>` of the session that bought the policy."


class AttachTag(BaseModel):
    """A tag the customer already has on the object."""

    model_config = ConfigDict(extra="forbid")

    tag_id: str = Field(pattern=TAG_ID_PATTERN, description="The id the tag carries (RFID EPC, barcode digits)")
    kind: Literal["rfid", "barcode"]


class AddPolicy(BaseModel):
    """Another insurer's policy on the same object."""

    model_config = ConfigDict(extra="forbid")

    insurer_id: Text = Field(min_length=1, max_length=64, description="A registered insurer")
    policy_number: Text = Field(min_length=1, max_length=64)
    product: Text = Field(min_length=1, max_length=64, examples=["computer"])


class ItemTagView(BaseModel):
    """An item's risk identification tag as the customer sees it."""

    tag_id: str
    tag_url: str = Field(description="What the QR code opens: the web report page for the tag")
    item_id: str
    object: InsuredObject
    policies: list[TagPolicy] = Field(description="Every policy on the object: one scan reaches all their insurers")
    physical_tags: list[PhysicalTag]


def _view(tag: Tag) -> ItemTagView:
    from insure.risk.policy_tags import tag_url

    return ItemTagView(
        tag_id=tag.tag_id,
        tag_url=tag_url(tag.tag_id),
        item_id=tag.item_id or "",
        object=tag.object,
        policies=tag.policies,
        physical_tags=tag.physical_tags,
    )


def _owned_policy(policy_number: str) -> PolicyVersion:
    policies: PolicyService = services(router).policies
    return policies.owned(policy_number, caller(router)).current


def _json(status: int, view: ItemTagView) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=view.model_dump_json())


@router.get(
    "/policies/<policy_number>/items/<item_id>/tag",
    summary="An item's risk identification tag: its QR address, physical tags and the policies on the object",
    tags=TAGS,
    description=BEARER,
    responses={200: {"description": "The tag", "content": {"application/json": {"model": ItemTagView}}}},
)
@access(Access.SESSION)
def get_item_tag(policy_number: str, item_id: str) -> Response[str]:
    return _json(200, _view(services(router).item_tags.item_tag(_owned_policy(policy_number), item_id)))


@router.post(
    "/policies/<policy_number>/items/<item_id>/tags",
    summary="Attach a tag the customer already has (RFID or barcode) to a covered item: scanning it reaches every "
    "insurer of the object",
    tags=TAGS,
    description=BEARER,
    responses={201: {"description": "Attached", "content": {"application/json": {"model": ItemTagView}}}},
)
@access(Access.SESSION)
def post_item_tag(policy_number: str, item_id: str, body: Annotated[AttachTag, Body()]) -> Response[str]:
    policy = _owned_policy(policy_number)
    return _json(201, _view(services(router).item_tags.attach_physical_tag(policy, item_id, body.tag_id, body.kind)))


@router.post(
    "/policies/<policy_number>/items/<item_id>/policies",
    summary="Add another insurer's policy on the same object, so one scan reaches every insurer of it",
    tags=TAGS,
    description=BEARER,
    responses={201: {"description": "Added", "content": {"application/json": {"model": ItemTagView}}}},
)
@access(Access.SESSION)
def post_item_policy(policy_number: str, item_id: str, body: Annotated[AddPolicy, Body()]) -> Response[str]:
    policy = _owned_policy(policy_number)
    added = TagPolicy(insurer_id=body.insurer_id, policy_number=body.policy_number, product=body.product)
    return _json(201, _view(services(router).item_tags.add_policy(policy, item_id, added)))
