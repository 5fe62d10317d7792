"""Every declared function comes from the one factory: runtime, architecture, tracing, logs, layers, environment,
and least-privilege grants derived from its declaration."""

from __future__ import annotations

import pytest

import declaration
from stacks.conventions import MAX_BODY_BYTES, POWERTOOLS_LAYER_VERSION
from stacks.plan import deferred_resources
from tests.infrastructure.conftest import as_list, getatt_targets

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

FUNCTIONS = [pytest.param(f, id=f.name) for f in declaration.FUNCTIONS]
STATE_MACHINE_NAMES = {m.name for m in declaration.STATE_MACHINES}
# The action that proves a declared access was granted (and whose absence proves it was not).
EVIDENCE = {
    "table": {"read": "dynamodb:Query", "write": "dynamodb:PutItem"},
    "queue": {"send": "sqs:SendMessage", "consume": "sqs:ReceiveMessage"},
    "state_machine": {"start": "states:StartExecution", "callback": "states:SendTaskSuccess"},
    "secret": {"get": "secretsmanager:GetSecretValue", "read": "secretsmanager:GetSecretValue"},
    "bucket": {"get": "s3:GetObject*", "read": "s3:GetObject*", "put": "s3:PutObject", "write": "s3:PutObject"},
}


def _kind(stack, resource: str) -> tuple[str, object]:
    for kind, built in (
        ("table", stack.tables.by_name),
        ("queue", stack.queues.by_name),
        ("state_machine", stack.state_machines.by_name),
        ("secret", stack.secrets.by_name),
        ("bucket", stack.buckets.by_name),
    ):
        if resource in built:
            return kind, built[resource]
    raise AssertionError(f"{resource} is not a resource of the stack")


def _grants_on(statements: list[dict], resource_id: str) -> set[str]:
    """Actions the policy allows on one resource (matched by the logical id its ARN refers to)."""
    actions: set[str] = set()
    for statement in statements:
        referenced = getatt_targets(statement["Resource"])
        referenced |= {r["Ref"] for r in as_list(statement["Resource"]) if isinstance(r, dict) and "Ref" in r}
        if statement["Effect"] == "Allow" and resource_id in referenced:
            actions |= set(as_list(statement["Action"]))
    return actions


@pytest.mark.parametrize("declared", FUNCTIONS)
def test_function_comes_from_the_one_factory(synthesized, declared):
    from aws_cdk.assertions import Match  # CDK loads only where a test needs it

    function = synthesized.stack.functions.by_name[declared.name]
    props = synthesized.properties(function)
    shared_layer = synthesized.logical_id(synthesized.stack.layers.shared)
    expected_environment = {
        variable: Match.any_value()
        for resource, variable in declaration.ENVIRONMENT.items()
        if resource not in STATE_MACHINE_NAMES and _is_built(synthesized.stack, resource)
    }
    assert (
        Match.object_like(
            {
                "Runtime": "python3.13",
                "Architectures": ["arm64"],
                "Handler": "handler.handler",
                "TracingConfig": {"Mode": "Active"},
                "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
                "Timeout": declared.timeout_s,
                "MemorySize": declared.memory_mb,
                "Layers": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "arn:aws:lambda:",
                                {"Ref": "AWS::Region"},
                                ":017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:"
                                f"{POWERTOOLS_LAYER_VERSION}",
                            ],
                        ]
                    },
                    {"Ref": shared_layer},
                ],
                "Environment": {
                    "Variables": Match.object_like(
                        {
                            **expected_environment,
                            "POWERTOOLS_SERVICE_NAME": "insurance-platform",
                            "POWERTOOLS_METRICS_NAMESPACE": "InsurancePlatform",
                            "MAX_BODY_BYTES": str(MAX_BODY_BYTES),
                        }
                    )
                },
            }
        )
        .test(props)
        .is_success
    ), props


def _is_built(stack, resource: str) -> bool:
    try:
        _kind(stack, resource)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("declared", FUNCTIONS)
def test_function_is_granted_what_it_declares_and_no_more(synthesized, declared):
    stack = synthesized.stack
    statements = synthesized.role_statements(stack.functions.by_name[declared.name])
    declared_access = {g.resource: set(g.access) for g in declared.grants}
    if declared.trigger is not None:  # the event source mapping reads its queue
        declared_access.setdefault(declared.trigger.queue, set()).add("consume")
    checked = 0
    for resource in _stack_resources(stack):
        kind, built = _kind(stack, resource)
        granted = _grants_on(statements, synthesized.logical_id(built))
        wanted = declared_access.get(resource, set())
        for action in set(EVIDENCE[kind].values()):
            accesses = {access for access, evidence in EVIDENCE[kind].items() if evidence == action}
            if accesses & wanted:
                assert action in granted, (declared.name, resource, action)
                checked += 1
            else:
                assert action not in granted, f"{declared.name} may {action} on {resource} without declaring it"
    services = {s.name for s in declaration.SERVICES}  # granted by action, checked below
    owned = [g for g in declared.grants if g.resource not in services]
    assert checked >= len([g for g in owned if g.resource not in deferred_resources() - STATE_MACHINE_NAMES])


@pytest.mark.parametrize("declared", FUNCTIONS)
def test_outside_services_are_granted_by_their_declared_actions_only(synthesized, declared):
    statements = synthesized.role_statements(synthesized.stack.functions.by_name[declared.name])
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    wanted = {g.resource for g in declared.grants}
    for service in declaration.SERVICES:
        for action in service.actions:
            assert (action in actions) == (service.name in wanted), (declared.name, action)


def _stack_resources(stack) -> list[str]:
    return [
        *stack.tables.by_name,
        *stack.queues.by_name,
        *stack.state_machines.by_name,
        *stack.secrets.by_name,
        *stack.buckets.by_name,
    ]


@pytest.mark.parametrize("declared", FUNCTIONS)
def test_state_machine_arn_reaches_only_functions_that_start_or_call_back(synthesized, declared):
    variables = synthesized.properties(synthesized.stack.functions.by_name[declared.name])["Environment"]["Variables"]
    for machine in declaration.STATE_MACHINES:
        variable = declaration.ENVIRONMENT.get(machine.name)
        if variable is None:
            continue
        wants = any(g.resource == machine.name and {"start", "callback"} & set(g.access) for g in declared.grants)
        machine_id = synthesized.logical_id(synthesized.stack.state_machines.by_name[machine.name])
        if wants:
            assert variables[variable] == {"Ref": machine_id}
        else:
            assert variable not in variables


def test_queue_triggers_report_partial_batch_failures(synthesized):
    triggered = [f for f in declaration.FUNCTIONS if f.trigger is not None]
    if not triggered:
        pytest.skip("no function declares a queue trigger")
    for declared in triggered:
        assert declared.trigger is not None
        queue = synthesized.stack.queues.by_name[declared.trigger.queue]
        synthesized.template.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "FunctionName": {"Ref": synthesized.logical_id(synthesized.stack.functions.by_name[declared.name])},
                "EventSourceArn": {"Fn::GetAtt": [synthesized.logical_id(queue), "Arn"]},
                "BatchSize": declared.trigger.batch_size,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        )


def test_every_grant_names_a_resource_the_stack_builds(synthesized):
    for declared in declaration.FUNCTIONS:
        for grant in declared.grants:
            if grant.resource in {s.name for s in declaration.SERVICES}:
                continue  # an outside service (SES, SNS): granted by action, no resource of ours
            assert grant.resource in deferred_resources() or _is_built(synthesized.stack, grant.resource), (
                declared.name,
                grant.resource,
            )
