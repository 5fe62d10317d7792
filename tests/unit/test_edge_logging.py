"""What the edge logs: a client error is one INFO line with its request id and no trace; a server error is one
ERROR line with the trace; neither carries what the client sent."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.router import Router

from insure.errors import NotFound
from insure.http import api
from insure.http.access import Access, access

router = Router()


@router.get("/things/<thing_id>")
@access(Access.PUBLIC)
def get_thing(thing_id: str) -> dict:
    if thing_id == "broken":
        raise RuntimeError("database exploded")
    raise NotFound(f"No thing {thing_id}.")


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "things", 128, "lambda-request"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:things"


def event(path: str, request_id: str) -> dict:
    return {
        "resource": "/things/{thing_id}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"X-Request-Id": request_id, "Authorization": "Bearer secret-token"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "pathParameters": {"thing_id": path.rsplit("/", 1)[-1]},
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": "gateway-id", "stage": "test"},
    }


@pytest.fixture
def lines(monkeypatch, request) -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    service = f"edge-logging-{request.node.name}"  # Powertools configures a service's logger once per process
    monkeypatch.setattr(api, "logger", Logger(service=service, level="INFO", logger_handler=handler))
    return stream


def logged(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_client_error_is_one_info_line_with_its_request_id_and_no_trace(lines):
    app = api.build_resolver([router])
    response = app.resolve(event("/things/t-1", "req-404"), Context())
    assert response["statusCode"] == 404
    [line] = logged(lines)
    assert line["level"] == "INFO"
    assert line["correlation_id"] == "req-404"
    assert line["status"] == 404 and line["route"] == "/things/<thing_id>" and line["problem"] == "not-found"
    assert "exception" not in line and "stack_trace" not in line
    assert "secret-token" not in lines.getvalue()


def test_a_server_error_is_one_error_line_with_the_trace(lines):
    app = api.build_resolver([router])
    response = app.resolve(event("/things/broken", "req-500"), Context())
    assert response["statusCode"] == 500
    assert "database exploded" not in response["body"]
    assert response["multiValueHeaders"]["X-Request-Id"] == ["req-500"]
    [line] = logged(lines)
    assert line["level"] == "ERROR" and line["correlation_id"] == "req-500"
    assert "database exploded" in line["exception"]
