"""cdk-nag AwsSolutions findings the platform accepts: each acknowledged on the narrowest construct that raises
it, for the exact finding (wildcards name their resource), with the reason it is accepted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

import declaration

if TYPE_CHECKING:
    from stacks.platform_stack import PlatformStack

PACK = "AwsSolutions::"


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=PACK + finding, reason=reason))


def _cfn(scope: IConstruct) -> CfnElement:
    default_child = scope.node.default_child
    assert isinstance(default_child, CfnElement)
    return default_child


def _arn(scope: IConstruct) -> str:
    """How cdk-nag spells the ARN of a resource inside a finding: `<LogicalId.Arn>`."""
    return f"<{Stack.of(scope).get_logical_id(_cfn(scope))}.Arn>"


def acknowledge_findings(stack: PlatformStack) -> None:
    functions = stack.functions
    _ack(
        functions,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "AWSLambdaBasicExecutionRole only allows writing the function's own CloudWatch logs; AWS maintains it.",
    )
    _ack(
        functions,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray active tracing: xray:PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
    )
    _ack(
        functions,
        "AwsSolutions-L1",
        "Python 3.13 is pinned on purpose: the AWS-managed Powertools layer used here is published for "
        "python313-arm64, and the local cloud and CI run the same version.",
    )
    for name, table in stack.tables.by_name.items():
        _ack(
            functions,
            f"AwsSolutions-IAM5[Resource::{_arn(table)}/index/*]",
            f"Queries on the {name} table's global secondary indexes (gsi1): index ARNs of this one table only.",
        )
    for name, bucket in stack.buckets.by_name.items():
        reason = f"CDK bucket grants on the {name} bucket: object keys under this one bucket (policy documents)."
        _ack(functions, f"AwsSolutions-IAM5[Resource::{_arn(bucket)}/*]", reason)
        for action in ("s3:Abort*", "s3:GetBucket*", "s3:GetObject*", "s3:List*"):
            _ack(functions, f"AwsSolutions-IAM5[Action::{action}]", reason)
    for name, function in functions.by_name.items():
        _ack(
            stack.state_machines,
            f"AwsSolutions-IAM5[Resource::{_arn(function)}:*]",
            f"The workflow invokes any version or alias of the {name} function, and only that function.",
        )
    for declared in declaration.FUNCTIONS:
        if declared.schedule is not None:
            _ack(
                stack.schedules,
                f"AwsSolutions-IAM5[Resource::{_arn(functions.by_name[declared.name])}:*]",
                f"EventBridge Scheduler's role invokes any version or alias of {declared.name}, and only it.",
            )
    _ack(
        stack.schedules,
        "AwsSolutions-SQS3",
        "This queue is the schedule's dead-letter queue (EventBridge Scheduler's DeadLetterConfig), not a work queue "
        "that needs one of its own.",
    )
    for service in declaration.SERVICES:
        if service.resource != "*":
            _ack(
                functions,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:{service.service}:<AWS::Region>:<AWS::AccountId>:"
                f"{service.resource}]",
                f"{service.description}: the sender may send from any identity verified in this account and region "
                "(the from address is a deploy-time setting).",
            )
    _ack(
        stack.state_machines,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions log delivery and X-Ray (logs:*LogDelivery*, xray:Put*) support no resource-level permissions.",
    )

    rest_api = stack.rest_api
    _ack(
        rest_api,
        "AwsSolutions-APIG2",
        "Requests are validated by the functions' pydantic models, which answer RFC 9457 problems with field "
        "paths (422); API Gateway's validator would answer in another format and duplicate the models.",
    )
    _ack(
        rest_api,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role; the AWS-documented managed policy is the supported way.",
    )
    for finding in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
        _ack(
            rest_api,
            finding,
            "Quotes, applications and docs are public by design; back-office routes check the admin bearer key "
            "and partner/scanner routes verify request signatures in the function, identically in the local cloud.",
        )
    _ack(
        rest_api,
        "AwsSolutions-APIG3",
        "No WAF web ACL in this app: stage throttling bounds abuse; a WAFv2 ACL is attached per environment.",
    )

    for name, secret in stack.secrets.by_name.items():
        _ack(
            secret,
            "AwsSolutions-SMG4",
            f"The {name} secret is rotated by an operator, not on a schedule: tokens and links signed with it must "
            "stay valid for the session that holds them, which a rotation Lambda would cut short.",
        )

    for name, api in stack.websockets.apis.items():
        api_id = f"<{Stack.of(api).get_logical_id(_cfn(api))}>"
        _ack(
            functions,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
            f"{api_id}/*/*/@connections/*]",
            f"Posting to any connection of the {name} WebSocket API (connection ids are only known at run time).",
        )
        _ack(
            api,
            "AwsSolutions-APIG4",
            f"{name} WebSocket clients authenticate on $connect with the event's reporter token, checked by the "
            "function (the same code path as the local WebSocket gateway).",
        )

    _acknowledge_web_client(stack)


def _acknowledge_web_client(stack: PlatformStack) -> None:
    distribution = stack.web.distribution
    _ack(
        distribution,
        "AwsSolutions-CFR1",
        "The web client serves policyholders and people reporting incidents wherever they are: no geo restriction.",
    )
    _ack(
        distribution,
        "AwsSolutions-CFR2",
        "Static files only (GET/HEAD from a private bucket): no WAF web ACL here; one is attached per environment.",
    )
    _ack(
        distribution,
        "AwsSolutions-CFR4",
        "The default *.cloudfront.net certificate cannot set a minimum TLS version; HTTPS only (HTTP redirects). A "
        "custom domain's certificate would use TLSv1.2_2021.",
    )
    # The BucketDeployment's provider function is a stack-level singleton that CDK owns.
    for child in stack.node.children:
        if not child.node.id.startswith("Custom::CDKBucketDeployment"):
            continue
        _ack(child, "AwsSolutions-L1", "CDK's BucketDeployment provider: its runtime is chosen and updated by CDK.")
        _ack(
            child,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The deployment provider writes only its own CloudWatch logs.",
        )
        reason = (
            "CDK's BucketDeployment copies the web client's asset from the CDK assets bucket into the web bucket "
            "(object keys under those two buckets only) and invalidates the distribution (no resource-level ARN)."
        )
        for finding in (
            "IAM5[Resource::*]",
            "IAM5[Action::s3:GetBucket*]",
            "IAM5[Action::s3:GetObject*]",
            "IAM5[Action::s3:List*]",
            "IAM5[Action::s3:Abort*]",
            "IAM5[Action::s3:DeleteObject*]",
            "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
            f"IAM5[Resource::{_arn(stack.web.bucket)}/*]",
        ):
            _ack(child, f"AwsSolutions-{finding}", reason)
