"""Every change of a payment record kept as its own numbered version, never overwritten.

A payment record (an installment, the card kept on a policy's billing account, an application's payment) has a
head item that queries and indexes read, and beside it, in the same partition, one item per version at
`HISTORY#<record>#<nnnn>`: its number, when it took effect (RFC 3339 UTC), who made it (the customer, the back
office, the workflow: the billing run is the workflow), what it did, the fields it changed (before and after) and
the record as it stood after it. A version item is written with a condition (`attribute_not_exists`), so a number
is taken once and nothing is overwritten; the writer of the head writes the version first, so no change of the
head is ever without its version (the head's own write is conditioned on the version it read).

Charges and refunds (`PAYMENT#` items of a policy) never change once written: each is its own version 1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from insure.storage import TableClient, put_if_absent

if TYPE_CHECKING:
    from insure.policies.models import Actor

PREFIX = "HISTORY#"


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from `before` to `after`: one `{field, before, after}` per field whose value differs (a field
    absent on one side is None there), in the order of `after`'s fields."""
    names = [*after, *(name for name in before if name not in after)]
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


@dataclass(frozen=True)
class RecordVersion:
    """One version of a payment record: `record` names it within its partition (`INSTALLMENT#01#02`, `CARD`,
    `PAYMENT`), `state` is the record after this version."""

    record: str
    version: int
    effective_at: str
    made_by: Actor
    change: str  # what it did: "created", "attempt_started", "paid", "declined", "lowered", "closed", ...
    changes: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "version": self.version,
            "effective_at": self.effective_at,
            "made_by": self.made_by,
            "change": self.change,
            "changes": self.changes,
            "state": self.state,
        }


def version_sort_key(record: str, number: int) -> str:
    return f"{PREFIX}{record}#{number:04d}"


class RecordHistory(TableClient):
    """The version items of payment records in the single table (the only code that knows their wire format)."""

    def add(self, pk: str, version: RecordVersion) -> bool:
        """Keep `version` in the partition `pk`; False when that record already has a version of that number (a
        retry, or another writer that took the number first): it is never overwritten."""
        item = {
            "pk": {"S": pk},
            "sk": {"S": version_sort_key(version.record, version.version)},
            "entity": {"S": "payment_record_version"},
            "data": {"S": json.dumps(version.as_dict(), separators=(",", ":"), default=str)},
        }
        return put_if_absent(self._dynamodb(), self.table, item)

    def get(self, pk: str, record: str, number: int) -> RecordVersion | None:
        found = (
            self._dynamodb()
            .get_item(
                TableName=self.table,
                Key={"pk": {"S": pk}, "sk": {"S": version_sort_key(record, number)}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return RecordVersion(**json.loads(found["data"]["S"])) if found else None

    def of(self, pk: str, record: str = "") -> list[RecordVersion]:
        """Every version of `record` in the partition `pk` (of every record there when `record` is empty), by record
        then number."""
        prefix = f"{PREFIX}{record}#" if record else PREFIX
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        found: list[RecordVersion] = []
        while True:
            page = self._dynamodb().query(**request)
            found += [RecordVersion(**json.loads(item["data"]["S"])) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
