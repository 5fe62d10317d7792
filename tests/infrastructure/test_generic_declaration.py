"""The stack is built from whatever is declared: a declaration it has never seen (a new function with a queue
trigger, a new state machine, no WebSocket function) is picked up without any edit to `stacks/`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import declaration
from declaration.model import Function, Grant, Queue, QueueTrigger, Route, StateMachine
from tests.infrastructure.conftest import Synthesized, synthesize

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

ASL = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "${WorkerArn}",
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            "End": True,
        },
        "Failed": {"Type": "Fail"},
    },
}


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    root = tmp_path_factory.mktemp("unseen")
    for name in ("gadgets", "gadget_worker"):
        (root / "functions" / name).mkdir(parents=True)
        (root / "functions" / name / "handler.py").write_text("def handler(event, context):\n    return None\n")
    (root / "statemachines").mkdir()
    (root / "statemachines" / "gadgets.asl.json").write_text(json.dumps(ASL))
    functions = (
        Function(
            "gadgets",
            "Gadgets API",
            routes=(Route("PUT", "/gadgets/{gadget_id}"),),
            grants=(Grant(declaration.TABLE, ("read",)), Grant("gadget-flow", ("start",))),
        ),
        Function("gadget_worker", "Works gadgets", trigger=QueueTrigger("gadget-jobs", batch_size=5), timeout_s=40),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(declaration, "FUNCTIONS", functions)
        patch.setattr(declaration, "QUEUES", (Queue("gadget-jobs", consumer="gadget_worker"),))
        patch.setattr(
            declaration,
            "STATE_MACHINES",
            (StateMachine("gadget-flow", "gadgets.asl.json", {"WorkerArn": "gadget_worker"}),),
        )
        patch.setattr(declaration, "ENVIRONMENT", {**declaration.ENVIRONMENT, "gadget-flow": "GADGET_FLOW_ARN"})
        patch.setattr("stacks.compute.FUNCTIONS_DIR", root / "functions")
        patch.setattr("stacks.workflows.STATE_MACHINES_DIR", Path(root / "statemachines"))
        yield synthesize(card_processor_url="https://cards.example")


def test_no_websocket_function_means_no_websocket_api(unseen):
    kinds = {r["Type"] for r in unseen.resources.values()}
    assert not {k for k in kinds if k.startswith("AWS::ApiGatewayV2::")}
    for function in unseen.stack.functions.by_name.values():
        assert "WEBSOCKET_CALLBACK_URL" not in unseen.properties(function)["Environment"]["Variables"]


def test_a_new_route_function_queue_and_machine_are_built(unseen):
    stack = unseen.stack
    methods = [r["Properties"] for r in unseen.resources.values() if r["Type"] == "AWS::ApiGateway::Method"]
    assert [m["HttpMethod"] for m in methods if m["HttpMethod"] != "OPTIONS"] == ["PUT"]  # + CORS preflights
    worker = unseen.properties(stack.functions.by_name["gadget_worker"])
    assert worker["Runtime"] == "python3.13" and worker["Timeout"] == 40
    queue = unseen.properties(stack.queues.by_name["gadget-jobs"])
    assert queue["VisibilityTimeout"] == 240
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    machine = unseen.properties(stack.state_machines.by_name["gadget-flow"])
    assert machine["DefinitionSubstitutions"] == {
        "WorkerArn": {"Fn::GetAtt": [unseen.logical_id(stack.functions.by_name["gadget_worker"]), "Arn"]}
    }
    api = unseen.properties(stack.functions.by_name["gadgets"])["Environment"]["Variables"]
    assert api["GADGET_FLOW_ARN"] == {"Ref": unseen.logical_id(stack.state_machines.by_name["gadget-flow"])}
    assert "GADGET_FLOW_ARN" not in worker["Environment"]["Variables"]


def test_deploy_time_context_reaches_every_function(unseen):
    for function in unseen.stack.functions.by_name.values():
        assert unseen.properties(function)["Environment"]["Variables"]["CARD_PROCESSOR_URL"] == "https://cards.example"


def test_an_undeclared_grant_target_stops_synthesis(tmp_path):
    from stacks.compute import UnknownGrant

    (tmp_path / "loner").mkdir()
    (tmp_path / "loner" / "handler.py").write_text("def handler(event, context):\n    return None\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(declaration, "FUNCTIONS", (Function("loner", "x", grants=(Grant("nowhere", ("read",)),)),))
        patch.setattr(declaration, "QUEUES", ())
        patch.setattr(declaration, "STATE_MACHINES", ())
        patch.setattr("stacks.compute.FUNCTIONS_DIR", tmp_path)
        with pytest.raises(UnknownGrant, match="nowhere"):
            synthesize()
