"""Desk claims in the single table: `pk = DESKCLAIM#<claim_reference>`, `sk = CLAIM`, the claim as JSON in `data`
with an optimistic-locking `version`; open claims are listed through `gsi1pk = DESKCLAIMS#OPEN` (removed once the
claim is closed), `gsi1sk = <filed_at>#<claim_reference>`."""

from __future__ import annotations

from typing import Any

from insure.claims_desk.models import OPEN, DeskClaim

OPEN_INDEX = "DESKCLAIMS#OPEN"


class DeskClaimRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(claim_reference: str) -> dict[str, Any]:
        return {"pk": {"S": f"DESKCLAIM#{claim_reference}"}, "sk": {"S": "CLAIM"}}

    def _item(self, claim: DeskClaim, version: int) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self._key(claim.claim_reference),
            "entity": {"S": "desk-claim"},
            "version": {"N": str(version)},
            "data": {"S": claim.model_dump_json()},
        }
        if claim.status in OPEN:
            item["gsi1pk"] = {"S": OPEN_INDEX}
            item["gsi1sk"] = {"S": f"{claim.filed_at}#{claim.claim_reference}"}
        return item

    def put_new(self, claim: DeskClaim) -> bool:
        """Records a new claim; False when the reference exists (a repeated filing)."""
        try:
            self._db.put_item(
                TableName=self._table, Item=self._item(claim, 1), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, claim_reference: str) -> tuple[DeskClaim, int] | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(claim_reference), ConsistentRead=True).get("Item")
        if not item:
            return None
        return DeskClaim.model_validate_json(item["data"]["S"]), int(item["version"]["N"])

    def replace(self, claim: DeskClaim, version: int) -> bool:
        """Replaces the claim if it is still at `version`."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=self._item(claim, version + 1),
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": {"N": str(version)}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def list_open(self) -> list[DeskClaim]:
        """Every claim not closed yet, oldest first."""
        claims: list[DeskClaim] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": OPEN_INDEX}},
        }
        while True:
            page = self._db.query(**kwargs)
            claims += [DeskClaim.model_validate_json(i["data"]["S"]) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return claims
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
