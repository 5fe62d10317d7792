"""Every declared state machine: its ASL file is sound (placeholders <-> substitutions, Retry and Catch on every
Task, a timeout on every callback) and the template wires it as a traced, fully logged Standard workflow."""

from __future__ import annotations

import json

import pytest

import declaration
from stacks.conventions import STATE_MACHINES_DIR
from tests.infrastructure.asl import is_callback, placeholders, states
from tests.infrastructure.conftest import getatt_targets

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

MACHINES = [pytest.param(m, id=m.name) for m in declaration.STATE_MACHINES] or [
    pytest.param(None, marks=pytest.mark.skip(reason="the declaration lists no state machines"))
]


def _asl_files() -> list[str]:
    """The declared machines' files plus any other ASL file in statemachines/ (checked too, never skipped)."""
    declared = [m.file for m in declaration.STATE_MACHINES]
    present = sorted(path.name for path in STATE_MACHINES_DIR.glob("*.asl.json"))
    return sorted(set(declared) | set(present))


ASL_FILES = [pytest.param(name, id=name) for name in _asl_files()] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no ASL file exists and none is declared"))
]


def test_the_asl_checks_cover_every_declared_machine():
    checked = set(_asl_files())
    assert {m.file for m in declaration.STATE_MACHINES} <= checked
    for machine in declaration.STATE_MACHINES:
        assert (STATE_MACHINES_DIR / machine.file).is_file(), f"{machine.name}: {machine.file} is missing"


@pytest.mark.parametrize("machine", MACHINES)
def test_every_placeholder_has_a_substitution_and_vice_versa(machine):
    text = (STATE_MACHINES_DIR / machine.file).read_text()
    assert placeholders(text) == set(machine.substitutions), machine.file
    for function_name in machine.substitutions.values():
        declaration.function(function_name)  # raises KeyError for an undeclared function


@pytest.mark.parametrize("file", ASL_FILES)
def test_every_task_state_has_retry_and_catch(file):
    definition = json.loads((STATE_MACHINES_DIR / file).read_text())
    tasks = [(path, state) for path, state in states(definition) if state.get("Type") == "Task"]
    assert tasks, f"{file} has no Task state"
    for path, state in tasks:
        assert state.get("Retry"), f"{file}: {path} has no Retry"
        assert state.get("Catch"), f"{file}: {path} has no Catch"
        for catcher in state["Catch"]:
            assert catcher["Next"] in _names(definition), f"{file}: {path} catches into an unknown state"


@pytest.mark.parametrize("file", ASL_FILES)
def test_every_callback_state_has_a_timeout(file):
    definition = json.loads((STATE_MACHINES_DIR / file).read_text())
    for path, state in states(definition):
        if is_callback(state):
            assert "TimeoutSeconds" in state or "TimeoutSecondsPath" in state, f"{file}: {path} may wait forever"


def _names(definition: dict) -> set[str]:
    return {path.rsplit(".", 1)[-1] for path, _ in states(definition)}


@pytest.mark.parametrize("machine", MACHINES)
def test_the_machine_is_standard_logged_traced_and_substituted_with_function_arns(synthesized, machine):
    stack = synthesized.stack
    built = stack.state_machines.by_name[machine.name]
    props = synthesized.properties(built)
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["Destinations"]
    assert props["DefinitionSubstitutions"] == {
        placeholder: {"Fn::GetAtt": [synthesized.logical_id(stack.functions.by_name[function_name]), "Arn"]}
        for placeholder, function_name in machine.substitutions.items()
    }
    assert json.loads(props["DefinitionString"]) == json.loads((STATE_MACHINES_DIR / machine.file).read_text())


@pytest.mark.parametrize("machine", MACHINES)
def test_the_machine_may_invoke_exactly_its_task_functions(synthesized, machine):
    stack = synthesized.stack
    statements = synthesized.role_statements(stack.state_machines.by_name[machine.name])
    invocable: set[str] = set()
    for statement in statements:
        if "lambda:InvokeFunction" in statement["Action"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                invocable |= getatt_targets(resource)
    expected = {synthesized.logical_id(stack.functions.by_name[name]) for name in machine.substitutions.values()}
    assert invocable == expected


@pytest.mark.parametrize("machine", MACHINES)
def test_an_alarm_fires_on_a_failed_execution(synthesized, machine):
    from aws_cdk.assertions import Match  # CDK loads only where a test needs it

    machine_id = synthesized.logical_id(synthesized.stack.state_machines.by_name[machine.name])
    synthesized.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/States",
            "MetricName": "ExecutionsFailed",
            "Dimensions": [{"Name": "StateMachineArn", "Value": {"Ref": machine_id}}],
            "Threshold": 1,
            "ComparisonOperator": Match.string_like_regexp("GreaterThanOrEqual"),
        },
    )
