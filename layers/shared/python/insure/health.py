"""Health of the platform's own resources, as seen from a function.

The table's name comes from `insure.environment` rather than `get_settings()`, so that a health check does not
import pydantic to validate the whole configuration (about 90 ms of its cold start)."""

from __future__ import annotations

from insure.aws import client
from insure.environment import table_name


def check_components() -> dict[str, str]:
    result: dict[str, str] = {}
    try:
        client("dynamodb").describe_table(TableName=table_name())
        result["table"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means the table is not usable
        result["table"] = f"unavailable: {type(error).__name__}"
    return result
