"""Health of the platform's own resources, as seen from a function."""

from __future__ import annotations

import os

from insure.aws import client


def table_name() -> str:
    """The platform table's name as `PlatformSettings.table_name` reads it (the `TABLE_NAME` variable, whatever
    its case, else "table"; tests/unit/test_health.py keeps the two in step). Read here rather than through
    `get_settings()` so that a health check does not import pydantic to validate the whole configuration
    (about 90 ms of its cold start)."""
    return next((value for key, value in os.environ.items() if key.lower() == "table_name"), "table")


def check_components() -> dict[str, str]:
    result: dict[str, str] = {}
    try:
        client("dynamodb").describe_table(TableName=table_name())
        result["table"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means the table is not usable
        result["table"] = f"unavailable: {type(error).__name__}"
    return result
