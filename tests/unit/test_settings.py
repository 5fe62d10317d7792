"""Settings come from the environment variables named by their aliases, validated."""

from __future__ import annotations

import pydantic
import pytest

from insure.settings import PlatformSettings


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "orders")
    monkeypatch.setenv("insurer_timeout_s", "2.5")  # variable names match whatever their case
    monkeypatch.delenv("SESSION_TTL_SECONDS", raising=False)
    settings = PlatformSettings()
    assert settings.table_name == "orders"
    assert settings.insurer_timeout_s == 2.5
    assert settings.session_ttl_seconds == 3600


def test_keyword_arguments_win_and_values_are_validated(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "orders")
    assert PlatformSettings(TABLE_NAME="other").table_name == "other"
    monkeypatch.setenv("SESSION_TTL_SECONDS", "0")
    with pytest.raises(pydantic.ValidationError):
        PlatformSettings()


def test_settings_are_frozen_and_hashable():
    settings = PlatformSettings()
    assert hash(settings) == hash(PlatformSettings())
    with pytest.raises(pydantic.ValidationError):
        settings.table_name = "x"  # type: ignore[misc]
