"""Invoke a function's handler once in a fresh interpreter (nothing imported beforehand), as a cold start does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_INVOKE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('handler', sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
class Context:
    function_name = 'fresh'; function_version = '1'; memory_limit_in_mb = 128
    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:fresh'
    aws_request_id = 'r'; log_group_name = 'g'; log_stream_name = 's'
response = module.handler(json.loads(sys.argv[2]), Context())
"""


def invoke_fresh(function: str, event: dict[str, Any], *, setup: str = "", report: str) -> Any:
    """Runs `setup`, imports functions/<function>/handler.py, invokes it with `event` (the result is `response`,
    the module `module`) and returns the JSON value of the `report` expression evaluated after that."""
    script = f"{setup}\n{_INVOKE}\nprint(json.dumps({report}))\n"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'shared' / 'python'}"}
    env.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    handler = ROOT / "functions" / function / "handler.py"
    out = subprocess.run(
        [sys.executable, "-c", script, str(handler), json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def get(path: str) -> dict[str, Any]:
    """A REST proxy event for GET `path`."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "body": None,
        "requestContext": {"requestId": "r", "stage": "s"},
    }
