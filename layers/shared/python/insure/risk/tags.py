"""Risk identification tags: the insured object, its customer (with the private information used to recognise
them) and the policies covering it.

Stored as `pk = TAG#<tag_id>`, `sk = TAG` (the tag as JSON in `data`), plus one index item per policy,
`pk = TAGPOLICY#<policy_number>`, `sk = TAG#<tag_id>`, so a web report by policy number finds the object with a
strongly consistent query (see `TagRepository.put_new` for the write order).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.errors import Conflict, FieldError, RuleViolation
from insure.risk.reporters import CustomerIdentity
from insure.types import Text

TagId = str
TAG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"


class InsuredObject(BaseModel):
    """What the tag is attached to."""

    model_config = ConfigDict(extra="forbid")

    description: Text = Field(min_length=1, max_length=500, examples=["Dell XPS 13 laptop"])
    category: Text | None = Field(None, max_length=60, examples=["portable"])
    serial_number: Text | None = Field(None, max_length=120)


class TagPolicy(BaseModel):
    """A policy covering the object and the insurer that wrote it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    insurer_id: Text = Field(min_length=1, max_length=64)
    policy_number: Text = Field(min_length=1, max_length=64)
    product: Text = Field(min_length=1, max_length=64)


class InsurerSnapshot(BaseModel):
    """The insurer's name and reporting deadline as registered when the tag was (insurer records do not change),
    so a scan needs no insurer reads to give deadline guidance."""

    insurer_id: str
    name: str
    reporting_deadline_hours: int | None = None


class Tag(BaseModel):
    """A registered tag (domain model: holds the customer's private information, never returned as is)."""

    tag_id: str
    kind: Literal["barcode", "qr", "rfid"]
    object: InsuredObject
    customer: CustomerIdentity
    policies: list[TagPolicy]
    created_at: str
    insurers: list[InsurerSnapshot] = Field(default_factory=list)


class TagRepository:
    """Tags and their policy index items in the single table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(tag_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"TAG#{tag_id}"}, "sk": {"S": "TAG"}}

    def put_new(self, tag: Tag) -> None:
        """The policy index items first, then the tag conditionally (409 when it exists). Single-item writes
        rather than one transaction: moto's transactions are not safe under concurrent writers, and an index item
        left by a refused or interrupted registration is harmless because readers check the tag's own policies."""
        for policy_number in sorted({p.policy_number for p in tag.policies}):
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"TAGPOLICY#{policy_number}"},
                    "sk": {"S": f"TAG#{tag.tag_id}"},
                    "entity": {"S": "tag-policy"},
                    "tag_id": {"S": tag.tag_id},
                },
            )
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **self._key(tag.tag_id),
                    "entity": {"S": "tag"},
                    "version": {"N": "1"},
                    "data": {"S": tag.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise Conflict(f"Tag {tag.tag_id} is already registered.") from error

    def get(self, tag_id: str) -> Tag | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(tag_id), ConsistentRead=True).get("Item")
        return Tag.model_validate_json(item["data"]["S"]) if item else None

    def tag_ids_for_policy(self, policy_number: str) -> list[str]:
        page = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"TAGPOLICY#{policy_number}"}, ":s": {"S": "TAG#"}},
            ConsistentRead=True,
        )
        return [i["tag_id"]["S"] for i in page.get("Items", [])]


@cache
def repository() -> TagRepository:
    from insure.aws import client
    from insure.settings import get_settings

    return TagRepository(client("dynamodb"), get_settings().table_name)


def register_tag(
    tag_id: str,
    kind: Literal["barcode", "qr", "rfid"],
    obj: InsuredObject,
    customer: CustomerIdentity,
    policies: list[TagPolicy],
) -> Tag:
    """Registers a tag; every policy's insurer must be registered (422 naming the field otherwise), a tag id is
    registered once (409)."""
    from insure.risk.insurers import get_insurer

    found = {insurer_id: get_insurer(insurer_id) for insurer_id in dict.fromkeys(p.insurer_id for p in policies)}
    unknown = [
        FieldError(f"policies[{i}].insurer_id", f"No registered insurer {p.insurer_id}.")
        for i, p in enumerate(policies)
        if found[p.insurer_id] is None
    ]
    if unknown:
        raise RuleViolation("Every policy's insurer must be registered first.", errors=unknown)
    tag = Tag(
        tag_id=tag_id,
        kind=kind,
        object=obj,
        customer=customer,
        policies=policies,
        created_at=datetime.now(tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        insurers=[
            InsurerSnapshot(
                insurer_id=insurer.insurer_id,
                name=insurer.name,
                reporting_deadline_hours=insurer.reporting_deadline_hours,
            )
            for insurer in found.values()
            if insurer is not None
        ],
    )
    repository().put_new(tag)
    return tag


def get_tag(tag_id: str) -> Tag | None:
    return repository().get(tag_id)


def tags_for_policy(policy_number: str) -> list[Tag]:
    """The registered tags whose policies include `policy_number`."""
    found = (repository().get(tag_id) for tag_id in repository().tag_ids_for_policy(policy_number))
    return [tag for tag in found if tag is not None and any(p.policy_number == policy_number for p in tag.policies)]
