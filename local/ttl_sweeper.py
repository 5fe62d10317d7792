"""DynamoDB's Time to Live, locally: moto records a table's TTL attribute but never deletes expired items. This
component does what DynamoDB's background process does (within days there, every `interval_s` here): items of a
table with TTL whose attribute is an epoch second in the past are deleted. Each delete is conditional on the item
being still expired, so an item whose TTL was removed or extended meanwhile stays (what the platform relies on:
a draft application expires with its session unless it is submitted)."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import declaration

if TYPE_CHECKING:
    from local.cloud import LocalCloud


def sweep(dynamodb: Any, table: str, attribute: str, now: float | None = None) -> int:
    """Deletes the expired items of `table`; returns how many."""
    names = {"#t": attribute}
    cut = {":now": {"N": str(int(time.time() if now is None else now))}}
    deleted = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table, FilterExpression="#t < :now", ExpressionAttributeNames=names, ExpressionAttributeValues=cut
    )
    key_names = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    for page in pages:
        for item in page["Items"]:
            try:
                dynamodb.delete_item(
                    TableName=table,
                    Key={name: item[name] for name in key_names},
                    ConditionExpression="#t < :now",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=cut,
                )
                deleted += 1
            except dynamodb.exceptions.ConditionalCheckFailedException:
                pass  # extended or made permanent since the scan
    return deleted


class TtlSweeper:
    name = "ttl-sweeper"

    def __init__(self, interval_s: float = 30.0) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.deleted = 0

    def start(self, cloud: LocalCloud) -> None:
        import boto3

        dynamodb = boto3.client("dynamodb")
        tables = [(cloud.deployment.tables.get(t.name, t.name), t.ttl_attribute) for t in declaration.TABLES]

        def loop() -> None:
            while not self._stop.wait(self.interval_s):
                for table, attribute in tables:
                    if attribute:
                        try:
                            self.deleted += sweep(dynamodb, table, attribute)
                        except Exception:  # a failed sweep is retried at the next interval
                            logging.getLogger(__name__).warning("TTL sweep of %s failed", table, exc_info=True)

        self._thread = threading.Thread(target=loop, name="ttl-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def health(self) -> str:
        return "ok" if self._thread is not None and self._thread.is_alive() else "down"
