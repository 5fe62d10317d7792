"""Risk identification tags: the insured object, its customer (with the private information used to recognise
them) and the policies covering it.

Stored as `pk = TAG#<tag_id>`, `sk = TAG` (the tag as JSON in `data`), plus one index item per policy,
`pk = TAGPOLICY#<policy_number>`, `sk = TAG#<tag_id>`, so a web report by policy number finds the object with a
strongly consistent query (see `TagRepository.put_new` for the write order).

One object, one tag record. A physical tag the customer already has (an RFID or barcode id) attached to an
object is an alias item, `pk = TAG#<physical id>`, `sk = TAG`, `alias_of = <tag_id>`: reading it reads the object's
tag, so a scan of either reaches the same insurers and joins the same open incident. A retired tag (its item left
the policy, or the policy ended) is kept with `retired_at` and is no longer found by scans or reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure import timestamps
from insure.errors import Conflict, FieldError, NotFound, RuleViolation
from insure.risk.reporters import CustomerIdentity
from insure.types import Text

if TYPE_CHECKING:
    from insure.risk.ports import Idempotency, InsurerLookup

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


TagKind = Literal["barcode", "qr", "rfid"]


class PhysicalTag(BaseModel):
    """A tag the customer already had, attached to the object (an alias of the object's tag)."""

    tag_id: str
    kind: TagKind
    attached_at: str


class Tag(BaseModel):
    """A registered tag (domain model: holds the customer's private information, never returned as is)."""

    tag_id: str
    kind: TagKind
    object: InsuredObject
    customer: CustomerIdentity
    policies: list[TagPolicy]
    created_at: str
    insurers: list[InsurerSnapshot] = Field(default_factory=list)
    issuing_policy: str | None = Field(None, description="The platform's own policy whose item this tag marks")
    item_id: str | None = None
    physical_tags: list[PhysicalTag] = Field(default_factory=list)
    retired_at: str | None = None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


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
            self.put_policy_index(policy_number, tag.tag_id)
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
        found = self.get_versioned(tag_id)
        return found[0] if found else None

    def get_versioned(self, tag_id: str) -> tuple[Tag, int] | None:
        """The tag (an alias read as the object's tag) and its version for `replace`."""
        item = self._db.get_item(TableName=self._table, Key=self._key(tag_id), ConsistentRead=True).get("Item")
        if item and "alias_of" in item:
            item = self._db.get_item(
                TableName=self._table, Key=self._key(item["alias_of"]["S"]), ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        return Tag.model_validate_json(item["data"]["S"]), int(item["version"]["N"])

    def replace(self, tag: Tag, version: int) -> bool:
        """Replaces the tag if nobody changed it since `version` was read (policy index items first)."""
        from insure.storage import replace_if_version

        for policy_number in sorted({p.policy_number for p in tag.policies}):
            self.put_policy_index(policy_number, tag.tag_id)
        return replace_if_version(
            self._db, self._table, self._key(tag.tag_id), entity="tag", data_json=tag.model_dump_json(), version=version
        )

    def put_policy_index(self, policy_number: str, tag_id: str) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"TAGPOLICY#{policy_number}"},
                "sk": {"S": f"TAG#{tag_id}"},
                "entity": {"S": "tag-policy"},
                "tag_id": {"S": tag_id},
            },
        )

    def put_alias(self, alias_id: str, tag_id: str) -> None:
        """Makes `alias_id` read as tag `tag_id` (409 when the id is taken by any tag)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={**self._key(alias_id), "entity": {"S": "tag-alias"}, "alias_of": {"S": tag_id}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise Conflict(f"Tag {alias_id} is already registered.") from error

    def alias_target(self, alias_id: str) -> str | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(alias_id), ConsistentRead=True).get("Item")
        return item["alias_of"]["S"] if item and "alias_of" in item else None

    def tag_ids_for_policy(self, policy_number: str) -> list[str]:
        page = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"TAGPOLICY#{policy_number}"}, ":s": {"S": "TAG#"}},
            ConsistentRead=True,
        )
        return [i["tag_id"]["S"] for i in page.get("Items", [])]


def snapshot(insurer: Any) -> InsurerSnapshot:
    return InsurerSnapshot(
        insurer_id=insurer.insurer_id, name=insurer.name, reporting_deadline_hours=insurer.reporting_deadline_hours
    )


class Tags:
    """Tag look-ups and registration over the repository; every policy's insurer must be registered."""

    def __init__(self, repository: TagRepository, insurers: InsurerLookup, idempotency: Idempotency) -> None:
        self.repository, self.insurers, self._idempotency = repository, insurers, idempotency

    def get(self, tag_id: str) -> Tag | None:
        """The tag a scan or report names (a physical tag's id reads as its object's tag); None when unknown or
        retired."""
        tag = self.repository.get(tag_id)
        return tag if tag is not None and not tag.retired else None

    def for_policy(self, policy_number: str) -> list[Tag]:
        """The registered tags (not retired) whose policies include `policy_number`."""
        found = (self.repository.get(tag_id) for tag_id in self.repository.tag_ids_for_policy(policy_number))
        return [
            tag
            for tag in found
            if tag is not None and not tag.retired and any(p.policy_number == policy_number for p in tag.policies)
        ]

    def register(
        self,
        tag_id: str,
        kind: Literal["barcode", "qr", "rfid"],
        obj: InsuredObject,
        customer: CustomerIdentity,
        policies: list[TagPolicy],
        *,
        idempotency_key: str | None = None,
    ) -> Tag:
        """Registers a tag; every policy's insurer must be registered (422 naming the field otherwise), a tag id is
        registered once (409). With an `idempotency_key`, a repeat returns the tag the first registered."""
        payload = {
            "tag_id": tag_id,
            "kind": kind,
            "object": obj.model_dump(mode="json"),
            "customer": customer.model_dump(mode="json"),
            "policies": [p.model_dump(mode="json") for p in policies],
        }

        def effect() -> dict[str, Any]:
            return {"tag_id": self._register(tag_id, kind, obj, customer, policies).tag_id}

        registered = self.get(str(self._idempotency.once_per_key("tags", idempotency_key, payload, effect)["tag_id"]))
        if registered is None:
            raise NotFound("The tag this Idempotency-Key registered no longer exists; use a new key.")
        return registered

    def _register(
        self,
        tag_id: str,
        kind: Literal["barcode", "qr", "rfid"],
        obj: InsuredObject,
        customer: CustomerIdentity,
        policies: list[TagPolicy],
    ) -> Tag:
        ids = dict.fromkeys(p.insurer_id for p in policies)
        found = {insurer_id: self.insurers.get(insurer_id) for insurer_id in ids}
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
            created_at=timestamps.now(),
            insurers=[snapshot(insurer) for insurer in found.values() if insurer is not None],
        )
        self.repository.put_new(tag)
        return tag
