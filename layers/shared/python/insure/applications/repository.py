"""Applications in the single table: one item per application at `APPLICATION#<id>`, written with conditions on
its status (and `version` for read-modify-write), so concurrent writers cannot undo each other's moves.

Nested parts (input, decision, offer, payment) are stored as JSON strings: they are read and written whole. Beside
the application: `DECISION#<nnnn>`, each submission's decision, and `HISTORY#PAYMENT#<nnnn>`, each payment attempt
(the `payment` it left, which the next attempt replaces on the application), never overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.applications.status import Status
from insure.errors import Conflict
from insure.storage import put_if_absent

if TYPE_CHECKING:
    from insure.payments.history_repository import RecordVersion
    from insure.policies.models import Actor

PAYMENT_RECORD = "PAYMENT"  # the record name of the application's payment (the charge at bind) in its versions


@dataclass
class ApplicationRecord:
    """The stored application."""

    application_id: str
    session_hash: str
    session_expires_at_epoch: int
    status: Status
    input: dict[str, Any]
    created_at: str
    updated_at: str
    version: int = 1
    submissions: int = 0
    decision: dict[str, Any] | None = None
    offer: dict[str, Any] | None = None
    terms: str | None = None
    payment: dict[str, Any] | None = None
    payment_attempts: int = 0
    policy_number: str | None = None
    task_token: str | None = None
    task_kind: str | None = None
    failure: dict[str, Any] | None = None
    acceptance: dict[str, Any] | None = None


_JSON_FIELDS = ("input", "decision", "offer", "payment", "failure", "acceptance")
_STRING_FIELDS = ("application_id", "session_hash", "status", "created_at", "updated_at", "terms")
_OPTIONAL_STRING_FIELDS = ("policy_number", "task_token", "task_kind")
_NUMBER_FIELDS = ("session_expires_at_epoch", "version", "submissions", "payment_attempts")


def encode(name: str, value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value for field `name`."""
    if name in _JSON_FIELDS:
        return {"S": json.dumps(value, separators=(",", ":"), default=str)}
    if name in _NUMBER_FIELDS:
        return {"N": str(value)}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    return {"S": str(value)}


def from_item(item: dict[str, Any]) -> ApplicationRecord:
    values: dict[str, Any] = {}
    for name in _JSON_FIELDS:
        if name in item:
            values[name] = json.loads(item[name]["S"])
    for name in _STRING_FIELDS + _OPTIONAL_STRING_FIELDS:
        if name in item:
            values[name] = item[name]["S"]
    for name in _NUMBER_FIELDS:
        if name in item:
            values[name] = int(item[name]["N"])
    return ApplicationRecord(**values)


DRAFT_TTL_ATTRIBUTE = "expires_at_epoch"  # the table's TTL attribute: a draft nobody submitted is deleted


def key(application_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"APPLICATION#{application_id}"}, "sk": {"S": "APPLICATION"}}


def now_iso(now: float | None = None) -> str:
    """The current time (or epoch `now`) in the platform's one format."""
    return timestamps.from_epoch(timestamps.epoch() if now is None else now)


class ApplicationRepository:
    """Reads and conditional writes of application items."""

    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    def create(self, record: ApplicationRecord, *then_put: dict[str, Any]) -> None:
        """Store a new application, then the `then_put` items (e.g. its session).

        Two conditional puts rather than a transaction: an application whose session write failed is unreachable
        and harmless, and the local emulator (moto) snapshots the whole table for each transaction, which is slow
        and unsafe under concurrent writes."""
        item = {**key(record.application_id), "entity": {"S": "application"}}
        for name in _JSON_FIELDS + _STRING_FIELDS + _OPTIONAL_STRING_FIELDS + _NUMBER_FIELDS:
            value = getattr(record, name)
            if value is not None:
                item[name] = encode(name, value)
        if record.status == "draft":  # expires with its session (TTL) unless submitted: see `submitted`
            item[DRAFT_TTL_ATTRIBUTE] = {"N": str(record.session_expires_at_epoch)}
        dynamodb = self._dynamodb()
        dynamodb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        for extra in then_put:
            dynamodb.put_item(TableName=self.table, Item=extra, ConditionExpression="attribute_not_exists(pk)")

    def discard_untouched_draft(self, application_id: str) -> bool:
        """Delete a draft nobody has touched since it was created (version 1, no payment), then its session: an
        opening whose answer never reached its client. False, and nothing deleted, once it has moved on."""
        from botocore.exceptions import ClientError

        from insure.sessions import SessionRepository

        record = self.get(application_id)
        if record is None or record.status != "draft" or record.version != 1 or record.payment is not None:
            return False
        dynamodb = self._dynamodb()
        try:
            dynamodb.delete_item(
                TableName=self.table,
                Key=key(application_id),
                ConditionExpression="#s = :draft AND #version = :one AND attribute_not_exists(payment)",
                ExpressionAttributeNames={"#s": "status", "#version": "version"},
                ExpressionAttributeValues={":draft": {"S": "draft"}, ":one": {"N": "1"}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        dynamodb.delete_item(TableName=self.table, Key=SessionRepository.key(record.session_hash))
        return True

    def get(self, application_id: str, *, consistent: bool = True) -> ApplicationRecord | None:
        found = self._dynamodb().get_item(TableName=self.table, Key=key(application_id), ConsistentRead=consistent)
        item = found.get("Item")
        return from_item(item) if item else None

    def keep_decision(self, application_id: str, submission: int, decision: dict[str, Any]) -> None:
        """Keep the decision on `submission` as its own item beside the application, never overwritten, so earlier
        decisions survive a modify-and-resubmit (a retried underwriting keeps the first)."""
        item = {
            "pk": key(application_id)["pk"],
            "sk": {"S": f"DECISION#{submission:04d}"},
            "entity": {"S": "application_decision"},
            "submission": {"N": str(submission)},
            "decided_at": {"S": now_iso()},
            "decision": {"S": json.dumps(decision, separators=(",", ":"), default=str)},
        }
        put_if_absent(self._dynamodb(), self.table, item)

    def keep_payment_attempt(
        self, application_id: str, attempt: int, payment: dict[str, Any], *, approved: bool, made_by: Actor = "customer"
    ) -> None:
        """Keep payment attempt `attempt` (the `payment` it leaves on the application, which the next attempt
        replaces there) as version `attempt` of the application's payment record, beside it, never overwritten (a
        retried step keeps the first), with what it changed from the attempt before."""
        from insure.payments.history_repository import RecordHistory, RecordVersion, field_changes

        history = RecordHistory(self.table, self._dynamodb())
        pk = key(application_id)["pk"]["S"]
        before = history.get(pk, PAYMENT_RECORD, attempt - 1) if attempt > 1 else None
        version = RecordVersion(
            PAYMENT_RECORD,
            attempt,
            str(payment.get("paid_at") or now_iso()),
            made_by,
            "paid" if approved else "declined",
            field_changes(before.state if before else {}, payment),
            payment,
        )
        history.add(pk, version)

    def payment_attempts(self, application_id: str) -> list[RecordVersion]:
        """Every payment attempt on the application, as the versions of its payment record, oldest first."""
        from insure.payments.history_repository import RecordHistory

        return RecordHistory(self.table, self._dynamodb()).of(key(application_id)["pk"]["S"], PAYMENT_RECORD)

    def decisions(self, application_id: str) -> list[dict[str, Any]]:
        """Every decision made on the application, oldest first: `{submission, decided_at, decision}`."""
        found = self._dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :decision)",
            ExpressionAttributeValues={":pk": key(application_id)["pk"], ":decision": {"S": "DECISION#"}},
            ConsistentRead=True,
        )
        return [
            {
                "submission": int(item["submission"]["N"]),
                "decided_at": item["decided_at"]["S"],
                "decision": json.loads(item["decision"]["S"]),
            }
            for item in found.get("Items", [])
        ]

    def peek(self, application_id: str) -> ApplicationRecord | None:
        """Only what a waiting request watches (status, payment attempts, the task token): a cheap read to poll."""
        found = self._dynamodb().get_item(
            TableName=self.table,
            Key=key(application_id),
            ConsistentRead=True,
            ProjectionExpression="#s, payment_attempts, task_kind, task_token, submissions",
            ExpressionAttributeNames={"#s": "status"},
        )
        item = found.get("Item")
        if not item:
            return None
        values: dict[str, Any] = {
            "application_id": application_id,
            "session_hash": "",
            "session_expires_at_epoch": 0,
            "input": {},
            "created_at": "",
            "updated_at": "",
        }
        return from_item({**{k: encode(k, v) for k, v in values.items()}, **item})

    def update(self, application_id: str, **changes: Any) -> ApplicationRecord:
        """`change`, returning the application as it now stands."""
        record = self._update(application_id, returning=True, **changes)
        assert record is not None
        return record

    def change(self, application_id: str, **changes: Any) -> None:
        """Apply the changes only if the item is in one of `when_status` (and at `when_version`, and each
        `when_equal` field equal to its value);
        bump `version`. Raises Conflict when the condition does not hold (someone else moved it first)."""
        self._update(application_id, returning=False, **changes)

    def _update(
        self,
        application_id: str,
        *,
        returning: bool,
        set_fields: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        add: dict[str, int] | None = None,
        when_status: tuple[Status, ...] | None = None,
        when_version: int | None = None,
        when_equal: dict[str, Any] | None = None,
    ) -> ApplicationRecord | None:
        from botocore.exceptions import ClientError

        names: dict[str, str] = {}
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"S": now_iso()}}
        sets = ["#updated_at = :now"]
        names["#updated_at"] = "updated_at"
        for index, (name, value) in enumerate((set_fields or {}).items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = encode(name, value)
            sets.append(f"#s{index} = :s{index}")
        adds = ["#version :one"]
        names["#version"] = "version"
        for index, (name, amount) in enumerate((add or {}).items()):
            names[f"#a{index}"] = name
            values[f":a{index}"] = {"N": str(amount)}
            adds.append(f"#a{index} :a{index}")
        expression = "SET " + ", ".join(sets) + " ADD " + ", ".join(adds)
        if remove:
            for index, name in enumerate(remove):
                names[f"#r{index}"] = name
            expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(remove)))
        conditions = ["attribute_exists(pk)"]
        if when_status:
            names["#status"] = "status"
            placeholders = []
            for index, status in enumerate(when_status):
                values[f":w{index}"] = {"S": status}
                placeholders.append(f":w{index}")
            conditions.append(f"#status IN ({', '.join(placeholders)})")
        if when_version is not None:
            values[":expected_version"] = {"N": str(when_version)}
            conditions.append("#version = :expected_version")
        for index, (name, expected) in enumerate((when_equal or {}).items()):
            names[f"#e{index}"] = name
            values[f":e{index}"] = encode(name, expected)
            conditions.append(f"#e{index} = :e{index}")
        try:
            result = self._dynamodb().update_item(
                TableName=self.table,
                Key=key(application_id),
                UpdateExpression=expression,
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW" if returning else "NONE",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("The application changed meanwhile; its current state does not allow this.") from None
            raise
        return from_item(result["Attributes"]) if returning else None
