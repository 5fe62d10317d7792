"""Resource names read without pydantic agree with the settings; the health check answers without pydantic."""

from __future__ import annotations

import os

import pytest

from insure.environment import table_name
from insure.settings import PlatformSettings
from tests.unit.fresh_function import get, invoke_fresh


@pytest.mark.parametrize("variables", [{}, {"TABLE_NAME": "orders"}, {"table_name": "orders-lower"}])
def test_table_name_is_the_settings_table_name(monkeypatch, variables):
    for key in [k for k in os.environ if k.lower() == "table_name"]:
        monkeypatch.delenv(key)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    assert table_name() == PlatformSettings().table_name


def test_health_function_answers_without_pydantic():
    """Imported and asked for a route it does not serve (no AWS call), the health function stays off pydantic:
    validation is off for its resolver and its response is a TypedDict."""
    status, pydantic_loaded = invoke_fresh(
        "health", get("/nope"), report="[response['statusCode'], 'pydantic' in sys.modules]"
    )
    assert (status, pydantic_loaded) == (404, False)
