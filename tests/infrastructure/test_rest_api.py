"""The REST API in the template serves exactly the declared routes, each proxied to its declared function."""

from __future__ import annotations

import json
import re

import pytest

import declaration
from stacks.conventions import API_THROTTLE_BURST, API_THROTTLE_RATE
from tests.infrastructure.conftest import getatt_targets

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


def _resource_paths(resources: dict[str, dict]) -> dict[str, str]:
    """Logical id of each AWS::ApiGateway::Resource -> its full path, following ParentId up to the root."""
    parents = {
        logical: (r["Properties"]["ParentId"], r["Properties"]["PathPart"])
        for logical, r in resources.items()
        if r["Type"] == "AWS::ApiGateway::Resource"
    }

    def path_of(logical: str) -> str:
        parent, part = parents[logical]
        prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{part}"

    return {logical: path_of(logical) for logical in parents}


def _routes(synthesized) -> dict[tuple[str, str], dict]:
    resources = synthesized.resources
    paths = _resource_paths(resources)
    routes = {}
    for method in resources.values():
        if method["Type"] != "AWS::ApiGateway::Method":
            continue
        props = method["Properties"]
        target = props["ResourceId"]
        path = paths[target["Ref"]] if "Ref" in target else "/"
        routes[(props["HttpMethod"], path)] = props
    return routes


def test_the_api_serves_exactly_the_declared_routes(synthesized):
    # Given the declaration's routes
    declared = {(method, path) for method, path, _ in declaration.all_routes()}
    assert declared, "the declaration has routes"
    # When the template's methods are read back as (method, full path)
    routes = _routes(synthesized)
    # Then they are exactly the declared ones: nothing missing, nothing extra (no ANY proxy); the only other
    # methods are the CORS preflights API Gateway answers itself (MOCK) for the web client's origin
    preflights = {route for route, props in routes.items() if route[0] == "OPTIONS"}
    assert all(routes[route]["Integration"]["Type"] == "MOCK" for route in preflights)
    assert set(routes) - preflights == declared
    assert {path for _, path in declared} <= {path for _, path in preflights}


def test_every_route_is_a_lambda_proxy_integration_of_its_declared_function(synthesized):
    routes = _routes(synthesized)
    for method, path, function_name in declaration.all_routes():
        integration = routes[(method, path)]["Integration"]
        function_id = synthesized.logical_id(synthesized.stack.functions.by_name[function_name])
        assert integration["Type"] == "AWS_PROXY", (method, path)
        assert integration["IntegrationHttpMethod"] == "POST"
        assert getatt_targets(integration["Uri"]) == {function_id}, (method, path, function_name)


def test_the_stage_is_throttled_traced_and_access_logged_as_json(synthesized):
    from aws_cdk.assertions import Match  # CDK loads only where a test needs it

    log_group_id = synthesized.logical_id(synthesized.stack.rest_api.access_logs)
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "*",
                            "ResourcePath": "/*",
                            "ThrottlingRateLimit": API_THROTTLE_RATE,
                            "ThrottlingBurstLimit": API_THROTTLE_BURST,
                            "DataTraceEnabled": False,
                        }
                    )
                ]
            ),
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": [log_group_id, "Arn"]},
                "Format": Match.any_value(),
            },
        },
    )
    stage = next(r for r in synthesized.resources.values() if r["Type"] == "AWS::ApiGateway::Stage")
    access_format = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "httpMethod", "resourcePath"} <= set(access_format)


def test_each_function_may_be_invoked_by_the_api_only_for_its_own_routes(synthesized):
    # Given every permission the REST API holds in the template, as (function, "METHOD/path" it allows)
    rest_api = {"Ref": synthesized.logical_id(synthesized.stack.rest_api.api)}
    allowed: dict[str, set[str]] = {}
    for resource in synthesized.resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] != "AWS::Lambda::Permission" or rest_api not in props["SourceArn"]["Fn::Join"][1]:
            continue
        (function_id,) = getatt_targets(props["FunctionName"])
        suffix = props["SourceArn"]["Fn::Join"][1][-1]
        allowed.setdefault(function_id, set()).add(suffix.split("/", 1)[1])
    # Then each function is invocable for exactly its declared routes (path parameters become `*`)
    expected: dict[str, set[str]] = {}
    for method, path, function_name in declaration.all_routes():
        function_id = synthesized.logical_id(synthesized.stack.functions.by_name[function_name])
        arn_path = re.sub(r"\{[^}]+\}", "*", path)
        expected.setdefault(function_id, set()).add(f"{method}{arn_path}")
    assert allowed == expected
