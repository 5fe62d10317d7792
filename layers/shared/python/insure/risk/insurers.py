"""The insurer registry: who the platform files claims with, where their claims API lives, who to tell.

Stored in the single table as `pk = INSURER#<insurer_id>`, `sk = INSURER`, listed through `gsi1pk = INSURERS`.
Webhook secrets (a list, newest first, so a secret can be rotated) are kept on the item and never leave this
module except through `Insurer.webhook_secrets` for signing and verifying; API models never carry them.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from insure import timestamps
from insure.risk.progress_models import InsurerProgress
from insure.types import ContactEmail, Text

if TYPE_CHECKING:
    from insure.risk.ports import Idempotency

DEFAULT_REPORTING_DEADLINE_HOURS = 48


class Salesperson(BaseModel):
    """The insurer's salesperson, notified when a claim is filed with the insurer: a name and one way to reach
    them, an e-mail or a phone (both may be given; neither is refused)."""

    model_config = ConfigDict(frozen=True)

    name: Text = Field(min_length=1, max_length=200)
    email: ContactEmail | None = None
    phone: Text | None = Field(None, min_length=3, max_length=40)

    @model_validator(mode="after")
    def _reachable(self) -> Salesperson:
        if self.email is None and self.phone is None:
            raise ValueError("Give the salesperson's email or phone: the platform tells them of each claim.")
        return self


class Insurer(BaseModel):
    """A registered insurer (domain model; holds its secrets, so never returned by the API as is)."""

    model_config = ConfigDict(frozen=True)

    insurer_id: str
    name: str
    base_url: str
    salesperson: Salesperson
    reporting_deadline_hours: int = DEFAULT_REPORTING_DEADLINE_HOURS
    webhook_secrets: tuple[str, ...] = Field(repr=False)
    created_at: str = ""

    @property
    def signing_secret(self) -> str:
        """The secret the platform signs its calls to this insurer with (the newest)."""
        return self.webhook_secrets[0]


class InsurerRepository:
    """Insurers in the single table (the client is injected; tests may pass moto's)."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(insurer_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"INSURER#{insurer_id}"}, "sk": {"S": "INSURER"}}

    def put_new(self, insurer: Insurer) -> None:
        item = {
            **self._key(insurer.insurer_id),
            "gsi1pk": {"S": "INSURERS"},
            "gsi1sk": {"S": f"{insurer.name.lower()}#{insurer.insurer_id}"},
            "entity": {"S": "insurer"},
            "version": {"N": "1"},
            "data": {"S": insurer.model_dump_json()},
        }
        self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def put_if_absent(self, insurer: Insurer) -> bool:
        """`put_new`, False instead of an error when the insurer id is taken."""
        try:
            self.put_new(insurer)
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, insurer_id: str) -> Insurer | None:
        found = self._db.get_item(TableName=self._table, Key=self._key(insurer_id), ConsistentRead=True).get("Item")
        return Insurer.model_validate_json(found["data"]["S"]) if found else None

    def list(self) -> list[Insurer]:
        insurers: list[Insurer] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "INSURERS"}},
        }
        while True:
            page = self._db.query(**kwargs)
            insurers += [Insurer.model_validate_json(i["data"]["S"]) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return insurers
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class Insurers:
    """The registry's logic over its repository: look-ups (names remembered by the execution environment) and
    registration (idempotent per key)."""

    def __init__(self, repository: InsurerRepository, idempotency: Idempotency) -> None:
        self.repository, self._idempotency = repository, idempotency
        self._names: dict[str, str] = {}

    def get(self, insurer_id: str) -> Insurer | None:
        """The registered insurer `insurer_id`, or None when no such insurer is registered."""
        return self.repository.get(insurer_id)

    def name(self, insurer_id: str) -> str | None:
        """The registered insurer's name (what a customer or reporter may read of it: never its URL or secrets),
        remembered, since an insurer's name never changes; None when unknown."""
        name = self._names.get(insurer_id)
        if name is None:
            found = self.get(insurer_id)
            if found is None:
                return None
            name = self._names.setdefault(insurer_id, found.name)
        return name

    def named(self, progress: list[InsurerProgress]) -> list[InsurerProgress]:
        """Each insurer's progress with the insurer's name."""
        return [p if p.name else p.model_copy(update={"name": self.name(p.insurer_id)}) for p in progress]

    def list(self) -> list[Insurer]:
        """Every registered insurer, by name."""
        return self.repository.list()

    def register(
        self,
        name: str,
        base_url: str,
        salesperson: Salesperson,
        *,
        reporting_deadline_hours: int = DEFAULT_REPORTING_DEADLINE_HOURS,
        webhook_secret: str | None = None,
        idempotency_key: str | None = None,
    ) -> Insurer:
        """Registers an insurer with a fresh `whsec_` webhook secret (or the one given); returns it with the
        secret, which the caller shows once. With an `idempotency_key`, a repeat returns the insurer the first
        registered."""
        payload = {
            "name": name,
            "base_url": base_url,
            "salesperson": salesperson.model_dump(mode="json"),
            "reporting_deadline_hours": reporting_deadline_hours,
        }

        def effect() -> dict[str, Any]:
            return {"insurer_id": self._register(name, base_url, salesperson, reporting_deadline_hours, webhook_secret)}

        registered_id = self._idempotency.once_per_key("insurers", idempotency_key, payload, effect)["insurer_id"]
        registered = self.get(str(registered_id))
        if registered is None:  # only a registration deleted since could do this
            from insure.errors import Conflict

            raise Conflict("The insurer this Idempotency-Key registered no longer exists; use a new key.")
        return registered

    def _register(
        self,
        name: str,
        base_url: str,
        salesperson: Salesperson,
        reporting_deadline_hours: int,
        webhook_secret: str | None,
    ) -> str:
        from insure.signatures import new_secret

        insurer = Insurer(
            insurer_id=f"ins_{uuid.uuid4().hex[:16]}",
            name=name,
            base_url=base_url.rstrip("/"),
            salesperson=salesperson,
            reporting_deadline_hours=reporting_deadline_hours,
            webhook_secrets=(webhook_secret or new_secret(),),
            created_at=timestamps.now(),
        )
        self.repository.put_new(insurer)
        return insurer.insurer_id
