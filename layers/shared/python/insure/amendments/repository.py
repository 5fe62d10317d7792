"""Amendments in the single table, in their policy's partition: `POLICY#<number>` / `AMENDMENT#<id>`, the record
as one JSON document with its status and a revision beside it. Every write is conditional on the revision read
(and on the statuses the move is allowed from), so concurrent writers cannot undo each other's moves.

The settlement (the charge of a positive difference, each attempt of it, or the refund of a negative one) is a payment
record: each change of it is also kept as its own numbered version (`insure.payments.history_repository`) in the
amendment's history partition `AMENDMENT#<id>`, written before the head, so a later attempt replaces the settlement
on the record but never the version an earlier attempt left."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from insure.applications.repository import now_iso
from insure.errors import Conflict

if TYPE_CHECKING:
    from insure.payments.history_repository import RecordVersion

ATTEMPTS = 5
SETTLEMENT = "SETTLEMENT"  # the record name of an amendment's settlement in its versions


@dataclass
class AmendmentRecord:
    amendment_id: str
    policy_number: str
    status: str
    effective_date: str
    base_version: int
    items: list[dict[str, Any]]
    application: dict[str, Any]  # what underwriting reads: the policy's application with the new items
    term: dict[str, str]  # {"start", "end"}
    previous_premium: dict[str, str]
    created_at: str
    updated_at: str
    revision: int = 1
    decision: dict[str, Any] | None = None
    offer: dict[str, Any] | None = None
    terms: str | None = None
    acceptance: dict[str, Any] | None = None
    settlement: dict[str, Any] | None = None
    payment_attempts: int = 0
    version: int | None = None
    failure: dict[str, Any] | None = None
    task_token: str | None = None
    task_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_NAMES = {f.name for f in fields(AmendmentRecord)}


def _key(policy_number: str, amendment_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"POLICY#{policy_number}"}, "sk": {"S": f"AMENDMENT#{amendment_id}"}}


def _item(record: AmendmentRecord) -> dict[str, Any]:
    return {
        **_key(record.policy_number, record.amendment_id),
        "entity": {"S": "policy_amendment"},
        "status": {"S": record.status},
        "revision": {"N": str(record.revision)},
        "data": {"S": json.dumps(asdict(record), separators=(",", ":"), default=str)},
    }


def _history_pk(amendment_id: str) -> str:
    return f"AMENDMENT#{amendment_id}"


def _settlement_change(settlement: dict[str, Any]) -> str:
    if settlement["kind"] == "charge":
        return "declined" if settlement.get("decline_code") or settlement.get("decline_message") else "paid"
    return "refunded" if settlement["kind"] == "refund" else "settled"


class AmendmentRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    def create(self, record: AmendmentRecord) -> None:
        self._dynamodb().put_item(
            TableName=self.table, Item=_item(record), ConditionExpression="attribute_not_exists(pk)"
        )

    def get(self, policy_number: str, amendment_id: str) -> AmendmentRecord | None:
        found = (
            self._dynamodb()
            .get_item(TableName=self.table, Key=_key(policy_number, amendment_id), ConsistentRead=True)
            .get("Item")
        )
        if not found:
            return None
        data = json.loads(found["data"]["S"])
        return AmendmentRecord(**{k: v for k, v in data.items() if k in _NAMES})

    def change(
        self,
        policy_number: str,
        amendment_id: str,
        *,
        set_fields: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        when_status: tuple[str, ...] | None = None,
        when: dict[str, Any] | None = None,
        read: AmendmentRecord | None = None,
    ) -> AmendmentRecord:
        """Apply the changes if the amendment is in one of `when_status` and its fields equal `when`; the record
        as it now stands. Conflict when the condition does not hold (someone else moved it first). `read`: the
        record as the caller has just read it, tried first instead of reading it again (the write is conditional
        on its revision: had it moved on since, the record is read again and the conditions checked afresh)."""
        from botocore.exceptions import ClientError

        for _ in range(ATTEMPTS):
            supplied, read = read, None
            current = supplied or self.get(policy_number, amendment_id)
            if current is None:
                raise Conflict(f"No amendment {amendment_id}.")
            moved = when_status is not None and current.status not in when_status
            if moved or any(getattr(current, name) != value for name, value in (when or {}).items()):
                if supplied is not None:
                    continue  # judged on the record as it stands, never on the caller's copy
                if moved:
                    raise Conflict(f"The amendment is {current.status}; it cannot move from there.")
                raise Conflict("The amendment changed meanwhile; its current state does not allow this.")
            updated = replace(current, **(set_fields or {}))
            for name in remove:
                setattr(updated, name, None)
            updated.revision, updated.updated_at = current.revision + 1, now_iso()
            if updated.settlement != current.settlement and updated.settlement is not None:
                self._keep_settlement(amendment_id, current.settlement, updated.settlement, updated.updated_at)
            try:
                self._dynamodb().put_item(
                    TableName=self.table,
                    Item=_item(updated),
                    ConditionExpression="revision = :revision",
                    ExpressionAttributeValues={":revision": {"N": str(current.revision)}},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue  # another writer came first: read again and re-check the conditions
            return updated
        raise Conflict("The amendment is changing too often; try again.")

    def _keep_settlement(
        self, amendment_id: str, before: dict[str, Any] | None, after: dict[str, Any], at: str
    ) -> None:
        """Keep `after` as the settlement's next version (a charge's attempt number, else 1), with what changed
        from `before`; a retried step finds its number taken and keeps the first."""
        from insure.payments.history_repository import RecordHistory, RecordVersion, field_changes

        number = int(after.get("attempts") or 1)
        change = _settlement_change(after)
        version = RecordVersion(SETTLEMENT, number, at, "customer", change, field_changes(before or {}, after), after)
        RecordHistory(self.table, self._dynamodb()).add(_history_pk(amendment_id), version)

    def settlement_versions(self, amendment_id: str) -> list[RecordVersion]:
        """Every version of the amendment's settlement, oldest first."""
        from insure.payments.history_repository import RecordHistory

        return RecordHistory(self.table, self._dynamodb()).of(_history_pk(amendment_id), SETTLEMENT)
