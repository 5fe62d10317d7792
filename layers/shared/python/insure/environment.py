"""Resource names read straight from the environment, for the paths that answer without importing pydantic (the
health check, the product list). Each reads its variable as `PlatformSettings` does (the same name, whatever its
case, and the same default); tests keep the two in step. Everything else reads `insure.settings.get_settings()`."""

from __future__ import annotations

import os


def table_name() -> str:
    """The platform table's name: `PlatformSettings.table_name` (the `TABLE_NAME` variable, else "table")."""
    return next((value for key, value in os.environ.items() if key.lower() == "table_name"), "table")
