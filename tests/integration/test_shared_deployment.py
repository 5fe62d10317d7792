"""The deployment a test process's platform tests share (tests/shared_deployment.py): every test finds it as a new
one, whatever the tests before it did, and a test that starts its own moto takes nothing of it along."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

import declaration
from local.functions_host import FunctionsHost
from local.resources import ACCOUNT, REGION


def _clients() -> dict[str, object]:
    names = ("dynamodb", "sqs", "s3", "stepfunctions", "secretsmanager", "lambda", "ses")
    return {name: boto3.client(name, region_name=REGION) for name in names}


def _state(deployment) -> dict[str, object]:
    """Everything a client can read of the deployment (and of the messages SNS and SES took)."""
    from moto.sns.models import sns_backends

    c = _clients()
    state: dict[str, object] = {}
    for table in declaration.TABLES:
        state[f"table {table.name}"] = c["dynamodb"].scan(TableName=table.name, ConsistentRead=True)["Items"]
        for index in table.indexes:
            state[f"index {table.name} {index}"] = c["dynamodb"].scan(TableName=table.name, IndexName=index)["Items"]
    for name, url in {**deployment.queues, **{f"{k} dlq": v for k, v in deployment.dead_letter_queues.items()}}.items():
        attributes = c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        state[f"queue {name}"] = {k: v for k, v in attributes.items() if k.startswith("ApproximateNumber")}
    for bucket in deployment.buckets:
        versions = c["s3"].list_object_versions(Bucket=bucket)
        state[f"bucket {bucket}"] = (versions.get("Versions", []), versions.get("DeleteMarkers", []))
        state[f"uploads {bucket}"] = c["s3"].list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    for name, arn in deployment.state_machines.items():
        state[f"executions {name}"] = c["stepfunctions"].list_executions(stateMachineArn=arn)["executions"]
    for name in deployment.secrets:
        versions = c["secretsmanager"].list_secret_version_ids(SecretId=name)["Versions"]
        state[f"secret {name}"] = sorted(v["VersionId"] for v in versions)
    state["functions"] = sorted(f["FunctionName"] for f in c["lambda"].list_functions()["Functions"])
    state["e-mails sent"] = c["ses"].get_send_quota()["SentLast24Hours"]
    state["text messages"] = list(sns_backends[ACCOUNT][REGION].sms_messages.values())
    return state


def _use_everything(deployment) -> None:
    """An item in every table (on every index), messages in every queue (one in flight), an object and an
    upload in every bucket, an execution of every state machine, an e-mail and a text message sent."""
    c = _clients()
    for table in declaration.TABLES:
        item = {table.partition_key: {"S": "P#1"}}
        if table.sort_key:
            item[table.sort_key] = {"S": "S#1"}
        for index in table.indexes:
            item[f"{index}pk"], item[f"{index}sk"] = {"S": "I#1"}, {"S": "1"}
        c["dynamodb"].put_item(TableName=table.name, Item=item)
    for url in (*deployment.queues.values(), *deployment.dead_letter_queues.values()):
        c["sqs"].send_message(QueueUrl=url, MessageBody="{}")
        c["sqs"].send_message(QueueUrl=url, MessageBody="{}")
        assert c["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    for bucket in deployment.buckets:
        c["s3"].put_object(Bucket=bucket, Key="a/b.pdf", Body=b"%PDF")
        c["s3"].create_multipart_upload(Bucket=bucket, Key="c.pdf")
    for arn in deployment.state_machines.values():
        c["stepfunctions"].start_execution(stateMachineArn=arn, name="left-running", input=json.dumps({}))
    c["ses"].verify_email_identity(EmailAddress="from@example.com")
    c["ses"].send_email(
        Source="from@example.com",
        Destination={"ToAddresses": ["to@example.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )
    boto3.client("sns", region_name=REGION).publish(PhoneNumber="+12125550100", Message="m")


def test_a_deployment_emptied_after_a_test_reads_as_a_new_one(platform, _deployment):
    # Given the deployment as a test finds it
    fresh = _state(platform.deployment)
    builds = _deployment.builds
    # When the test leaves something in every part of it
    _use_everything(platform.deployment)
    used = _state(platform.deployment)
    assert [key for key in fresh if used[key] == fresh[key]] == [
        *(f"secret {name}" for name in platform.deployment.secrets),
        "functions",
    ]
    # Then the next test (the same deployment, not a new one) reads exactly what a new one reads
    _deployment.close(platform.functions)
    _deployment.open()
    assert _deployment.builds == builds
    assert _state(platform.deployment) == fresh


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_finds_the_tables_empty(platform, run):
    from insure.aws import client

    table = platform.deployment.tables[declaration.TABLE]
    assert client("dynamodb").scan(TableName=table)["Items"] == []
    client("dynamodb").put_item(TableName=table, Item={"pk": {"S": f"RUN#{run}"}, "sk": {"S": "A"}})


def test_a_test_with_its_own_moto_starts_from_nothing_and_the_next_platform_test_has_its_deployment(
    _deployment, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    deployment = _deployment.open()
    builds = _deployment.builds
    _deployment.close(FunctionsHost())
    with mock_aws():
        assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == []
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=declaration.TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    again = _deployment.open()
    try:
        assert _deployment.builds == builds + 1
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(deployment.tables)
        schema = dynamodb.describe_table(TableName=declaration.TABLE)["Table"]["KeySchema"]
        assert schema[0]["AttributeName"] != "id"
        assert _state(again)["table " + declaration.TABLE] == []
    finally:
        _deployment.close(FunctionsHost())
