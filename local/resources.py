"""Creates exactly the declared tables, queues, buckets, secrets, functions and state machines in moto, and
returns the environment every function receives (the same names the CDK stack sets)."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import declaration

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
LOCAL_VISIBILITY_TIMEOUT_S = 30


@dataclass
class Deployment:
    """What was created: physical names by declared name, and the functions' shared environment."""

    tables: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    raise RuntimeError('hosted locally')\n")
    return buffer.getvalue()


def render_asl(machine: declaration.StateMachine, function_arns: dict[str, str]) -> str:
    """The ASL file with each `${Placeholder}` replaced by the ARN of the function it names."""
    text = (ROOT / "statemachines" / machine.file).read_text()
    for placeholder, function_name in machine.substitutions.items():
        text = text.replace("${" + placeholder + "}", function_arns[function_name])
    return text


def create_all(session: Any, *, admin_key: str | None = None) -> Deployment:
    """Create every declared resource with clients from `session` (a boto3 Session or the boto3 module)."""
    dynamodb = session.client("dynamodb", region_name=REGION)
    sqs = session.client("sqs", region_name=REGION)
    s3 = session.client("s3", region_name=REGION)
    secrets_manager = session.client("secretsmanager", region_name=REGION)
    lambda_ = session.client("lambda", region_name=REGION)
    iam = session.client("iam", region_name=REGION)
    sfn = session.client("stepfunctions", region_name=REGION)
    out = Deployment()

    for table in declaration.TABLES:
        keys = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
        attributes = [{"AttributeName": table.partition_key, "AttributeType": "S"}]
        if table.sort_key:
            keys.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
            attributes.append({"AttributeName": table.sort_key, "AttributeType": "S"})
        indexes = []
        for index in table.indexes:
            attributes += [
                {"AttributeName": f"{index}pk", "AttributeType": "S"},
                {"AttributeName": f"{index}sk", "AttributeType": "S"},
            ]
            indexes.append(
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": f"{index}pk", "KeyType": "HASH"},
                        {"AttributeName": f"{index}sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            )
        kwargs: dict[str, Any] = {}
        if indexes:
            kwargs["GlobalSecondaryIndexes"] = indexes
        dynamodb.create_table(
            TableName=table.name,
            KeySchema=keys,
            AttributeDefinitions=attributes,
            BillingMode="PAY_PER_REQUEST",
            **kwargs,
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        out.tables[table.name] = table.name

    for queue in declaration.QUEUES:
        dlq_url = sqs.create_queue(QueueName=f"{queue.name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=queue.name,
            Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT_S),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
        out.queues[queue.name] = url
        out.dead_letter_queues[queue.name] = dlq_url

    for bucket in declaration.BUCKETS:
        s3.create_bucket(Bucket=bucket.name)
        out.buckets[bucket.name] = bucket.name

    for secret in declaration.SECRETS:
        value = admin_key if secret.name == declaration.ADMIN_KEY and admin_key else secrets.token_urlsafe(32)
        arn = secrets_manager.create_secret(Name=secret.name, SecretString=value, Description=secret.description)["ARN"]
        out.secrets[secret.name] = arn

    role_arn = iam.create_role(
        RoleName="local-lambda-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    code = _dummy_zip()
    for function in declaration.FUNCTIONS:
        arn = lambda_.create_function(
            FunctionName=function.name,
            Runtime="python3.13",
            Role=role_arn,
            Handler="handler.handler",
            Code={"ZipFile": code},
            Timeout=function.timeout_s,
            MemorySize=function.memory_mb,
        )["FunctionArn"]
        out.functions[function.name] = arn

    for machine in declaration.STATE_MACHINES:
        arn = sfn.create_state_machine(
            name=machine.name, definition=render_asl(machine, out.functions), roleArn=role_arn, type="STANDARD"
        )["stateMachineArn"]
        out.state_machines[machine.name] = arn

    physical = {**out.tables, **out.queues, **out.buckets, **out.secrets, **out.state_machines}
    out.environment = {
        variable: physical[resource] for resource, variable in declaration.ENVIRONMENT.items() if resource in physical
    }
    return out
