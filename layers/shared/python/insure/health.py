"""Health of the platform's own resources, as seen from a function."""

from __future__ import annotations

from insure.aws import client
from insure.settings import get_settings


def check_components() -> dict[str, str]:
    settings = get_settings()
    result: dict[str, str] = {}
    try:
        client("dynamodb").describe_table(TableName=settings.table_name)
        result["table"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means the table is not usable
        result["table"] = f"unavailable: {type(error).__name__}"
    return result
