"""API Gateway WebSocket APIs for live progress: one per function that declares `websocket_routes`."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

import declaration
from stacks.conventions import (
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    WEBSOCKET_CALLBACK_URL_ENV,
    WEBSOCKET_STAGE,
    WEBSOCKET_URL_ENV,
    pascal,
)
from stacks.plan import publishers_of

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "connectionId": "$context.connectionId",
        "routeKey": "$context.routeKey",
        "eventType": "$context.eventType",
        "status": "$context.status",
        "requestTime": "$context.requestTime",
        "integrationLatency": "$context.integrationLatency",
    }
)


class WebSocketApis(Construct):
    """Nothing is created when no function declares WebSocket routes. Every function learns the clients' URL
    (WEBSOCKET_URL); the socket function and those granted `send` on it get the management endpoint
    (WEBSOCKET_CALLBACK_URL) and execute-api:ManageConnections on that API only."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.apis: dict[str, apigwv2.WebSocketApi] = {}
        self.stages: dict[str, apigwv2.WebSocketStage] = {}
        for declared in declaration.FUNCTIONS:
            if not declared.websocket_routes:
                continue
            name = pascal(declared.name)
            handler = functions[declared.name]
            api = apigwv2.WebSocketApi(self, f"{name}Api", description=f"Live updates: {declared.description}")
            for route in declared.websocket_routes:
                api.add_route(
                    route,
                    integration=integrations.WebSocketLambdaIntegration(f"{name}{pascal(route.strip('$'))}", handler),
                )
            access_logs = logs.LogGroup(
                self, f"{name}AccessLogs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
            )
            stage = apigwv2.WebSocketStage(
                self,
                f"{name}Stage",
                web_socket_api=api,
                stage_name=WEBSOCKET_STAGE,
                auto_deploy=True,
                throttle=apigwv2.ThrottleSettings(rate_limit=API_THROTTLE_RATE, burst_limit=API_THROTTLE_BURST),
            )
            cfn_stage = stage.node.default_child
            assert isinstance(cfn_stage, apigwv2.CfnStage)
            cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
                destination_arn=access_logs.log_group_arn, format=ACCESS_LOG_FORMAT
            )
            stack = Stack.of(self)
            callback_url = f"https://{api.api_id}.execute-api.{stack.region}.{stack.url_suffix}/{WEBSOCKET_STAGE}"
            if not self.apis:  # the first socket API is the one clients are told about
                for function in functions.values():
                    function.add_environment(WEBSOCKET_URL_ENV, stage.url)
            for publisher in publishers_of(declared.name):
                functions[publisher].add_environment(WEBSOCKET_CALLBACK_URL_ENV, callback_url)
                api.grant_manage_connections(functions[publisher])
            self.apis[declared.name] = api
            self.stages[declared.name] = stage
