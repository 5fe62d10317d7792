"""Policy versions in the single table: `POLICY#<number>` / `VERSION#<nnnn>`, one item per version, never
overwritten; the owner's session hash is kept beside each version for authorization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insure.policies.models import PolicyVersion


@dataclass(frozen=True)
class StoredPolicy:
    versions: list[PolicyVersion]
    session_hash: str
    session_expires_at_epoch: int

    @property
    def current(self) -> PolicyVersion:
        return self.versions[-1]


class PolicyRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    def put_version(self, version: PolicyVersion, *, session_hash: str, session_expires_at_epoch: int) -> bool:
        """Store a new version; False when that version already exists (a retried issuance)."""
        from botocore.exceptions import ClientError

        item: dict[str, Any] = {
            "pk": {"S": f"POLICY#{version.policy_number}"},
            "sk": {"S": f"VERSION#{version.version:04d}"},
            "entity": {"S": "policy_version"},
            "data": {"S": version.model_dump_json()},
            "session_hash": {"S": session_hash},
            "session_expires_at_epoch": {"N": str(session_expires_at_epoch)},
        }
        if version.referrer:
            item["gsi1pk"] = {"S": f"REFERRER#{version.referrer}"}
            item["gsi1sk"] = {"S": f"{version.issued_at}#{version.policy_number}"}
        try:
            self._dynamodb().put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

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
        versions = [PolicyVersion.model_validate_json(item["data"]["S"]) for item in items]
        last = items[-1]
        return StoredPolicy(versions, last["session_hash"]["S"], int(last["session_expires_at_epoch"]["N"]))
