"""Live progress: a WebSocket API per function declaring `websocket_routes`, and who may post to its sockets."""

from __future__ import annotations

import pytest

import declaration
from stacks.conventions import WEBSOCKET_CALLBACK_URL_ENV, WEBSOCKET_STAGE
from stacks.plan import publishers_of

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

SOCKETS = [pytest.param(f, id=f.name) for f in declaration.FUNCTIONS if f.websocket_routes] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no function declares websocket_routes"))
]


@pytest.mark.parametrize("declared", SOCKETS)
def test_the_socket_api_routes_exactly_the_declared_route_keys_to_the_function(synthesized, declared):
    stack = synthesized.stack
    api_id = synthesized.logical_id(stack.websockets.apis[declared.name])
    function_id = synthesized.logical_id(stack.functions.by_name[declared.name])
    assert synthesized.properties(stack.websockets.apis[declared.name])["ProtocolType"] == "WEBSOCKET"
    resources = synthesized.resources
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route" and r["Properties"]["ApiId"] == {"Ref": api_id}
    }
    assert set(routes) == set(declared.websocket_routes)
    for route in routes.values():
        integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
        integration = resources[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert function_id in str(integration["IntegrationUri"])


@pytest.mark.parametrize("declared", SOCKETS)
def test_the_stage_deploys_itself_is_throttled_and_access_logged(synthesized, declared):
    props = synthesized.properties(synthesized.stack.websockets.stages[declared.name])
    assert props["StageName"] == WEBSOCKET_STAGE
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    stage_id = synthesized.logical_id(synthesized.stack.websockets.stages[declared.name])
    account = next(k for k, r in synthesized.resources.items() if r["Type"] == "AWS::ApiGateway::Account")
    assert account in synthesized.resources[stage_id].get("DependsOn", []), "logging role is set first"


@pytest.mark.parametrize("declared", SOCKETS)
def test_only_the_socket_function_and_declared_publishers_may_post_to_connections(synthesized, declared):
    stack = synthesized.stack
    api_id = synthesized.logical_id(stack.websockets.apis[declared.name])
    publishers = set(publishers_of(declared.name))
    for function in declaration.FUNCTIONS:
        built = stack.functions.by_name[function.name]
        may_post = any(
            "execute-api:ManageConnections" in statement["Action"] and api_id in str(statement["Resource"])
            for statement in synthesized.role_statements(built)
        )
        variables = synthesized.properties(built)["Environment"]["Variables"]
        assert may_post == (function.name in publishers), function.name
        assert (WEBSOCKET_CALLBACK_URL_ENV in variables) == (function.name in publishers), function.name


@pytest.mark.parametrize("declared", SOCKETS[:1])
def test_every_function_can_tell_clients_where_to_connect(synthesized, declared):
    api_id = synthesized.logical_id(synthesized.stack.websockets.apis[declared.name])
    for function in synthesized.stack.functions.by_name.values():
        url = synthesized.properties(function)["Environment"]["Variables"]["WEBSOCKET_URL"]
        parts = url["Fn::Join"][1]
        assert parts[0] == "wss://" and {"Ref": api_id} in parts and parts[-1].endswith(f"/{WEBSOCKET_STAGE}")
