"""Policies in the single table, all in the policy's partition `POLICY#<number>`:
- `VERSION#<nnnn>`: one item per version, never overwritten; the owner's session hash is kept beside each version
  for authorization;
- `PAYMENT#<id>`: one item per payment record (a charge or a refund after issuance), never overwritten; ids are
  derived from what the payment settles, so a retried step keeps the first record. A record never changes: it is
  its own version 1 (`PaymentRecord.as_version`: when, who made it, what it set);
- `HEAD`: what must be decided one writer at a time: the amendment in flight, whether the policy is cancelled.
  Written with conditions, created on first use (a policy issued before it existed has none)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from insure.errors import Conflict
from insure.storage import put_if_absent

if TYPE_CHECKING:  # the models (pydantic) are imported when a policy is read: a billing run with nothing due reads none
    from insure.payments.history_repository import RecordVersion
    from insure.policies.models import Actor, PolicyVersion


@dataclass(frozen=True)
class PaymentRecord:
    """A charge or refund on a policy after its issuance (the first installment paid at bind is on the application):
    an amendment's difference, an installment, a refund."""

    record_id: str
    kind: str  # "charge" | "refund"
    amount: str
    at: str
    version: int
    reference: str  # the amendment or cancellation it settles
    processor_id: str  # the processor's charge or refund id
    charge_id: str | None = None  # for a refund: the charge it returns money to
    card: dict[str, str] = field(default_factory=dict)  # brand, last4
    installment: int | None = None  # for an installment's charge: its number (and term)
    term: int | None = None
    attempts: int | None = None  # the attempt that paid it
    authorization_id: str | None = None  # the issuer's authorization of a charge
    fee: str | None = None  # for an installment's charge: the plan fee in it (never refunded); None: no fee
    made_by: Actor = "workflow"  # who made it: the customer (paying, amending, cancelling), the workflow (a run)

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "kind": self.kind,
            "amount": self.amount,
            "at": self.at,
            "version": self.version,
            "reference": self.reference,
            "processor_id": self.processor_id,
            "charge_id": self.charge_id,
            "card": self.card,
            "installment": self.installment,
            "term": self.term,
            "attempts": self.attempts,
            "authorization_id": self.authorization_id,
            "fee": self.fee,
            "made_by": self.made_by,
        }

    def as_version(self) -> RecordVersion:
        """The record's one version: it is never changed once kept."""
        from insure.payments.history_repository import RecordVersion, field_changes

        state = self.as_dict()
        changes = field_changes({}, state)
        return RecordVersion(f"PAYMENT#{self.record_id}", 1, self.at, self.made_by, "created", changes, state)


@dataclass(frozen=True)
class StoredPolicy:
    versions: list[PolicyVersion]
    session_hash: str
    session_expires_at_epoch: int

    @property
    def current(self) -> PolicyVersion:
        return self.versions[-1]

    def version(self, number: int) -> PolicyVersion | None:
        return next((v for v in self.versions if v.version == number), None)


def _key(policy_number: str, sort_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"POLICY#{policy_number}"}, "sk": {"S": sort_key}}


class PolicyRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    def put_version(self, version: PolicyVersion, *, session_hash: str, session_expires_at_epoch: int) -> bool:
        """Store a new version; False when that version already exists (a retried issuance)."""
        item: dict[str, Any] = {
            **_key(version.policy_number, f"VERSION#{version.version:04d}"),
            "entity": {"S": "policy_version"},
            "data": {"S": version.model_dump_json()},
            "session_hash": {"S": session_hash},
            "session_expires_at_epoch": {"N": str(session_expires_at_epoch)},
        }
        if version.referrer and version.version == 1:
            item["gsi1pk"] = {"S": f"REFERRER#{version.referrer}"}
            item["gsi1sk"] = {"S": f"{version.issued_at}#{version.policy_number}"}
        return put_if_absent(self._dynamodb(), self.table, item)

    def add_version(self, stored: StoredPolicy, version: PolicyVersion) -> bool:
        """Store `version` as the next of the policy `stored` (under its buying session, as every version is);
        False when that version already exists (a retry)."""
        return self.put_version(
            version, session_hash=stored.session_hash, session_expires_at_epoch=stored.session_expires_at_epoch
        )

    def get(self, policy_number: str) -> StoredPolicy | None:
        result = self._dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :version)",
            ExpressionAttributeValues={":pk": {"S": f"POLICY#{policy_number}"}, ":version": {"S": "VERSION#"}},
            ConsistentRead=True,
        )
        items = result.get("Items", [])
        if not items:
            return None
        from insure.policies.models import PolicyVersion

        versions = [PolicyVersion.model_validate_json(item["data"]["S"]) for item in items]
        last = items[-1]
        return StoredPolicy(versions, last["session_hash"]["S"], int(last["session_expires_at_epoch"]["N"]))

    # -- payment records -------------------------------------------------------------------------------------
    def put_payment(self, policy_number: str, record: PaymentRecord) -> None:
        """Keep a payment record (a no-op when a retried step already kept it)."""
        item = {
            **_key(policy_number, f"PAYMENT#{record.record_id}"),
            "entity": {"S": "policy_payment"},
            "record_id": {"S": record.record_id},
            "data": {"S": json.dumps(record.as_dict())},
        }
        put_if_absent(self._dynamodb(), self.table, item)

    def payments(self, policy_number: str) -> list[PaymentRecord]:
        result = self._dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :payment)",
            ExpressionAttributeValues={":pk": {"S": f"POLICY#{policy_number}"}, ":payment": {"S": "PAYMENT#"}},
            ConsistentRead=True,
        )
        records = [PaymentRecord(**json.loads(item["data"]["S"])) for item in result.get("Items", [])]
        return sorted(records, key=lambda r: (r.at, r.record_id))

    # -- the head: one writer at a time ----------------------------------------------------------------------
    def claim(self, policy_number: str, holder: str) -> None:
        """Mark `holder` (an amendment or a cancellation) as the one change in flight. Conflict when another is in
        flight or the policy is cancelled."""
        from botocore.exceptions import ClientError

        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key=_key(policy_number, "HEAD"),
                UpdateExpression="SET in_flight = :holder",
                ConditionExpression="(attribute_not_exists(in_flight) OR in_flight = :holder) "
                "AND (attribute_not_exists(cancelled) OR cancelled = :no)",
                ExpressionAttributeValues={":holder": {"S": holder}, ":no": {"BOOL": False}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                head = self.head(policy_number)
                if head.get("cancelled"):
                    raise Conflict("The policy is cancelled; it cannot change any more.") from None
                raise Conflict(
                    f"Another change ({head.get('in_flight')}) is in progress on this policy; wait until it ends."
                ) from None
            raise

    def release(self, policy_number: str, holder: str, *, cancelled: bool = False) -> None:
        """End `holder`'s turn (a no-op when it no longer holds it); `cancelled` closes the policy for good."""
        from botocore.exceptions import ClientError

        expression = "REMOVE in_flight"
        values: dict[str, Any] = {":holder": {"S": holder}}
        if cancelled:
            expression = "SET cancelled = :yes " + expression
            values[":yes"] = {"BOOL": True}
        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key=_key(policy_number, "HEAD"),
                UpdateExpression=expression,
                ConditionExpression="in_flight = :holder",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def head(self, policy_number: str) -> dict[str, Any]:
        found = (
            self._dynamodb()
            .get_item(TableName=self.table, Key=_key(policy_number, "HEAD"), ConsistentRead=True)
            .get("Item")
        )
        if not found:
            return {}
        return {
            "in_flight": found.get("in_flight", {}).get("S"),
            "cancelled": found.get("cancelled", {}).get("BOOL", False),
        }
