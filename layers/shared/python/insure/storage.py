"""Optimistic locking on the single table, shared by the repositories that keep a JSON document per item."""

from __future__ import annotations

from typing import Any


def replace_if_version(db: Any, table: str, key: dict[str, Any], *, entity: str, data_json: str, version: int) -> bool:
    """Replace the item at `key` with `data_json` as version `version + 1` if it is still at `version`;
    False when someone changed it since it was read (the caller re-reads and retries or reports a conflict)."""
    try:
        db.put_item(
            TableName=table,
            Item={
                **key,
                "entity": {"S": entity},
                "version": {"N": str(version + 1)},
                "data": {"S": data_json},
            },
            ConditionExpression="version = :v",
            ExpressionAttributeValues={":v": {"N": str(version)}},
        )
    except db.exceptions.ConditionalCheckFailedException:
        return False
    return True


def put_if_absent(db: Any, table: str, item: dict[str, Any]) -> bool:
    """Write `item` only if nothing is stored under its key; False when something is (a retry, or another writer
    that came first): a stored item is never overwritten."""
    from botocore.exceptions import ClientError

    try:
        db.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


class TableClient:
    """A repository of the single table with its DynamoDB client made on first use (none at import or
    construction: a function that never touches the table makes none), or the one given (tests, shared clients)."""

    def __init__(self, table: str, dynamodb: Any = None) -> None:
        self.table = table
        self._client = dynamodb

    def _dynamodb(self) -> Any:
        if self._client is None:
            from insure.aws import client

            self._client = client("dynamodb")
        return self._client
