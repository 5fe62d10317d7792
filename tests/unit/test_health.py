"""Resource names read without pydantic agree with the settings; the health check answers without pydantic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from insure.environment import table_name
from insure.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]


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
    script = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('h', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "event = {'resource': '/nope', 'path': '/nope', 'httpMethod': 'GET', 'headers': {}, 'body': None,\n"
        "         'requestContext': {'requestId': 'r', 'stage': 's'}}\n"
        "class Context:\n"
        "    function_name = 'health'; function_version = '1'; memory_limit_in_mb = 128\n"
        "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:health'\n"
        "    aws_request_id = 'r'; log_group_name = 'g'; log_stream_name = 's'\n"
        "print(json.dumps([module.handler(event, Context())['statusCode'], 'pydantic' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'shared' / 'python'}"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "functions" / "health" / "handler.py")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [404, False]
