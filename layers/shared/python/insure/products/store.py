"""The rulebook store: versions and current pointers in the single table (see `insure.products.rulebooks` for the
items). No pydantic here: the product list reads the stored documents through it; publishing validates them
(`parse_document`) and compiles them before anything is written."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from insure import timestamps
from insure.errors import Conflict


class RulebookStore:
    """Rulebook versions in the single table (a repository: callers never see DynamoDB)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def current_version(self, product: str) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"RULEBOOK#{product}"}, "sk": {"S": "CURRENT"}}
        ).get("Item")
        return item["version"]["S"] if item else None

    def document(self, product: str, version: str) -> str | None:
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"RULEBOOK#{product}"}, "sk": {"S": f"V#{version}"}},
            ConsistentRead=True,
        ).get("Item")
        return item["document"]["S"] if item else None

    def current_versions(self, products: Sequence[str]) -> dict[str, str | None]:
        """The current version of each of `products` (None where none is stored), in one batch read."""
        keys = [{"pk": {"S": f"RULEBOOK#{product}"}, "sk": {"S": "CURRENT"}} for product in products]
        found = {item["pk"]["S"].removeprefix("RULEBOOK#"): item["version"]["S"] for item in self._batch_get(keys)}
        return {product: found.get(product) for product in products}

    def documents_of(self, versions: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        """The JSON text of each (product, version) (None where it is not stored), in one consistent batch read."""
        keys = [{"pk": {"S": f"RULEBOOK#{product}"}, "sk": {"S": f"V#{version}"}} for product, version in versions]
        found = {
            (item["pk"]["S"].removeprefix("RULEBOOK#"), item["sk"]["S"].removeprefix("V#")): item["document"]["S"]
            for item in self._batch_get(keys, consistent=True)
        }
        return {key: found.get(key) for key in versions}

    def _batch_get(self, keys: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):  # BatchGetItem takes up to 100 keys
            request: dict[str, Any] = {self._table: {"Keys": keys[start : start + 100], "ConsistentRead": consistent}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                items.extend(answer.get("Responses", {}).get(self._table, []))
                request = answer.get("UnprocessedKeys") or {}
        return items

    def publish(self, text: str) -> str:
        """Store this version (if new) and make it current. A version already stored with other content is a
        Conflict: versions are immutable, bump the version instead. A rulebook whose conditions do not compile
        is refused (ConditionError) before anything is written."""
        from insure.products.rulebooks import parse_document
        from insure.underwriting.engine import compile_rulebook

        document = parse_document(text)
        compile_rulebook(document)
        digest = hashlib.sha256(text.encode()).hexdigest()
        pk = {"S": f"RULEBOOK#{document.product}"}
        now = timestamps.now()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": pk,
                    "sk": {"S": f"V#{document.version}"},
                    "entity": {"S": "rulebook"},
                    "product": {"S": document.product},
                    "version": {"S": document.version},
                    "document": {"S": text},
                    "sha256": {"S": digest},
                    "stored_at": {"S": now},
                },
                ConditionExpression="attribute_not_exists(pk) OR sha256 = :digest",
                ExpressionAttributeValues={":digest": {"S": digest}},
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            raise Conflict(f"Rulebook {document.label} is already stored with different content.") from error
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": pk,
                "sk": {"S": "CURRENT"},
                "entity": {"S": "rulebook-pointer"},
                "version": {"S": document.version},
                "updated_at": {"S": now},
            },
        )
        return document.label
