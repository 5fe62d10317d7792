"""The local cloud builds exactly what the declaration names, and moto runs our handlers in-process."""

from __future__ import annotations

import json

import boto3

import declaration


def test_creates_exactly_the_declared_tables_queues_and_functions(platform):
    # Given the platform deployed on moto from the declaration
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    lambda_ = boto3.client("lambda")
    # Then the tables, queues (each with its DLQ) and functions are exactly the declared ones
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(t.name for t in declaration.TABLES)
    queue_names = sorted(url.rsplit("/", 1)[1] for url in sqs.list_queues().get("QueueUrls", []))
    assert queue_names == sorted([q.name for q in declaration.QUEUES] + [f"{q.name}-dlq" for q in declaration.QUEUES])
    functions = sorted(f["FunctionName"] for f in lambda_.list_functions()["Functions"])
    assert functions == sorted(f.name for f in declaration.FUNCTIONS)
    # And the main table has its GSI and TTL as declared
    table = dynamodb.describe_table(TableName=declaration.TABLE)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    ttl = dynamodb.describe_time_to_live(TableName=declaration.TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at_epoch"


def test_lambda_hook_runs_handler_in_process_with_pinned_moto(platform):
    # Given the hook installed over moto's private LambdaFunction._invoke_lambda
    lambda_ = boto3.client("lambda")
    event = {
        "resource": "/nope",
        "path": "/nope",
        "httpMethod": "GET",
        "headers": {},
        "body": None,
        "requestContext": {"requestId": "r1", "stage": "local"},
    }
    # When Lambda is invoked through the AWS API
    response = lambda_.invoke(FunctionName="health", Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read())
    # Then our real handler answered (a problem for an unknown path, from our resolver)
    assert payload["statusCode"] == 404
    assert json.loads(payload["body"])["type"].endswith("/not-found")
    assert "FunctionError" not in response


def test_lambda_hook_reports_exception_class_as_error_type(platform, monkeypatch):
    # Given a handler that raises a named exception
    class UnderwritingUnavailable(Exception):
        pass

    def boom(name, event):
        raise UnderwritingUnavailable("rulebook store down")

    monkeypatch.setattr(platform.functions, "invoke", boom)
    # When it is invoked through the Lambda API
    response = boto3.client("lambda").invoke(FunctionName="health", Payload=b"{}")
    # Then Lambda reports a function error whose errorType is the class name (what ASL Catch matches)
    assert response["FunctionError"] == "Handled"
    assert json.loads(response["Payload"].read())["errorType"] == "UnderwritingUnavailable"


def test_health_reports_table(platform):
    response = platform.api.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "components": {"table": "ok"}}
    assert response.headers["X-Request-Id"]


def test_request_id_is_echoed(platform):
    response = platform.api.get("/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


def test_unknown_path_and_method_are_problems(platform):
    missing = platform.api.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    wrong = platform.api.delete("/health")
    assert wrong.status_code == 405


def test_body_over_the_function_limit_is_413_and_changes_nothing(platform):
    response = platform.api.get("/health", data=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.json["title"] == "Payload too large"
