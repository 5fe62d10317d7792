"""Lambda functions from ONE factory, and the least-privilege grants each function's declaration asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

import declaration
from stacks.conventions import (
    CONTEXT_ENVIRONMENT,
    FUNCTIONS_DIR,
    MAX_BODY_BYTES,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    TAG_FUNCTION,
    pascal,
)
from stacks.layers import Layers
from stacks.plan import deferred_resources


@dataclass
class Resources:
    """The built resources by declared name: what grants and environment variables refer to."""

    tables: dict[str, dynamodb.Table] = field(default_factory=dict)
    queues: dict[str, sqs.Queue] = field(default_factory=dict)
    buckets: dict[str, s3.Bucket] = field(default_factory=dict)
    secrets: dict[str, secretsmanager.Secret] = field(default_factory=dict)
    state_machines: dict[str, sfn.StateMachine] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Declared env var -> physical name/URL/ARN, for every resource but state machines (see `Functions`)."""
        values: dict[str, str] = {}
        for resource, variable in declaration.ENVIRONMENT.items():
            if resource in self.tables:
                values[variable] = self.tables[resource].table_name
            elif resource in self.queues:
                values[variable] = self.queues[resource].queue_url
            elif resource in self.buckets:
                values[variable] = self.buckets[resource].bucket_name
            elif resource in self.secrets:
                values[variable] = self.secrets[resource].secret_arn
        return values


class UnknownGrant(ValueError):
    """A declared grant names a resource or an access the stack cannot map to IAM: synthesis stops."""


def apply_grant(function: lambda_.Function, grant: declaration.Grant, resources: Resources) -> None:
    """Translate one declared Grant into the narrowest CDK grant for that kind of resource."""
    access = set(grant.access)
    if grant.resource in resources.tables:
        table = resources.tables[grant.resource]
        if access == {"read"}:
            table.grant_read_data(function)
        elif access == {"write"}:
            table.grant_write_data(function)
        elif access == {"read", "write"}:
            table.grant_read_write_data(function)
        else:
            raise UnknownGrant(f"{function.node.id}: table access {sorted(access)}")
        return
    if grant.resource in resources.queues:
        queue = resources.queues[grant.resource]
        _only(function, grant, {"send", "consume"})
        if "send" in access:
            queue.grant_send_messages(function)
        if "consume" in access:
            queue.grant_consume_messages(function)
        return
    if grant.resource in resources.state_machines:
        machine = resources.state_machines[grant.resource]
        _only(function, grant, {"start", "callback", "read"})
        if "start" in access:
            machine.grant_start_execution(function)
        if "callback" in access:
            machine.grant_task_response(function)
        if "read" in access:
            machine.grant_read(function)
        return
    if grant.resource in resources.secrets:
        _only(function, grant, {"get", "read"})
        resources.secrets[grant.resource].grant_read(function)
        return
    if grant.resource in resources.buckets:
        bucket = resources.buckets[grant.resource]
        _only(function, grant, {"get", "read", "put", "write"})
        if access & {"get", "read"}:
            bucket.grant_read(function)
        if access & {"put", "write"}:
            bucket.grant_put(function)
        return
    service = next((s for s in declaration.SERVICES if s.name == grant.resource), None)
    if service is not None:
        _only(function, grant, {"send"})
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(service.actions), resources=[service_arn(function, service)])
        )
        return
    raise UnknownGrant(f"{function.node.id}: no declared resource called {grant.resource!r}")


def service_arn(scope: Construct, service: declaration.Service) -> str:
    """The resource a service grant allows: "*" as declared, else the ARN of `service.resource` in this stack's
    account and region (e.g. `arn:aws:ses:<region>:<account>:identity/*`)."""
    if service.resource == "*":
        return "*"
    resource, _, name = service.resource.partition("/")
    return Stack.of(scope).format_arn(
        service=service.service, resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


def _only(function: lambda_.Function, grant: declaration.Grant, allowed: set[str]) -> None:
    unexpected = set(grant.access) - allowed
    if unexpected:
        raise UnknownGrant(f"{function.node.id}: {grant.resource} does not support {sorted(unexpected)}")


class Functions(Construct):
    """Every declared function, built by `_function`; `by_name[name]` is the Lambda function."""

    def __init__(self, scope: Construct, construct_id: str, *, layers: Layers, resources: Resources) -> None:
        super().__init__(scope, construct_id)
        self._layers = layers
        self.by_name: dict[str, lambda_.Function] = {}
        environment = resources.environment()
        for key, variable in CONTEXT_ENVIRONMENT.items():
            value = self.node.try_get_context(key)
            if value:
                environment[variable] = str(value)
        for declared in declaration.FUNCTIONS:
            function = self._function(declared, environment)
            for grant in declared.grants:
                if grant.resource not in deferred_resources():
                    apply_grant(function, grant, resources)
            if declared.trigger is not None:
                window = declared.trigger.max_batching_window_s
                function.add_event_source(
                    event_sources.SqsEventSource(
                        resources.queues[declared.trigger.queue],
                        batch_size=declared.trigger.batch_size,
                        max_batching_window=Duration.seconds(window) if window else None,
                        report_batch_item_failures=True,
                    )
                )
            self.by_name[declared.name] = function

    def _function(self, declared: declaration.Function, environment: dict[str, str]) -> lambda_.Function:
        """The one factory: runtime, architecture, layers, logging, tracing and environment for all functions."""
        construct_id = pascal(declared.name)
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        function = lambda_.Function(
            self,
            construct_id,
            description=declared.description,
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(FUNCTIONS_DIR / declared.name), exclude=["__pycache__", "*.pyc", ".mypy_cache"]
            ),
            timeout=Duration.seconds(declared.timeout_s),
            memory_size=declared.memory_mb,
            layers=self._layers.all,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=log_group,
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "MAX_BODY_BYTES": str(MAX_BODY_BYTES),
            },
        )
        Tags.of(function).add(TAG_FUNCTION, declared.name)
        return function

    def grant_state_machines(self, resources: Resources) -> None:
        """State machine grants and ARNs, added after the machines exist (they in turn name some functions)."""
        for declared in declaration.FUNCTIONS:
            function = self.by_name[declared.name]
            for grant in declared.grants:
                if grant.resource in resources.state_machines:
                    apply_grant(function, grant, resources)
                    variable = declaration.ENVIRONMENT.get(grant.resource)
                    if variable:
                        function.add_environment(variable, resources.state_machines[grant.resource].state_machine_arn)
