"""The one stack: composes the constructs, each built from `declaration`; nothing is listed here by name."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.alerts import Alerts
from stacks.compute import Functions, Resources
from stacks.conventions import METRICS_NAMESPACE, SERVICE_NAME, WEB_ORIGIN_ENV, pascal
from stacks.dashboard import BusinessDashboard
from stacks.data import Buckets, Secrets, Tables
from stacks.layers import Layers
from stacks.messaging import Queues
from stacks.nag import acknowledge_findings
from stacks.rest_api import RestApi
from stacks.schedules import Schedules
from stacks.web import WebClient
from stacks.websocket_api import WebSocketApis
from stacks.workflows import StateMachines


class PlatformStack(Stack):
    """Data, queues, functions, APIs and workflows of the insurance platform."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tables = Tables(self, "Tables")
        self.buckets = Buckets(self, "Buckets")
        self.web = WebClient(self, "Web", access_logs=self.buckets.access_logs)
        self.secrets = Secrets(self, "Secrets")
        self.queues = Queues(self, "Queues")
        self.resources = Resources(
            tables=self.tables.by_name,
            queues=self.queues.by_name,
            buckets=self.buckets.by_name,
            secrets=self.secrets.by_name,
        )
        self.layers = Layers(self, "Layers")
        self.functions = Functions(self, "Functions", layers=self.layers, resources=self.resources)
        self.state_machines = StateMachines(self, "StateMachines", functions=self.functions.by_name)
        self.resources.state_machines.update(self.state_machines.by_name)
        self.functions.grant_state_machines(self.resources)
        for function in self.functions.by_name.values():
            function.add_environment(WEB_ORIGIN_ENV, self.web.origin)
        self.rest_api = RestApi(self, "RestApi", functions=self.functions.by_name, cors_origin=self.web.origin)
        self.websockets = WebSocketApis(self, "WebSockets", functions=self.functions.by_name)
        self.schedules = Schedules(self, "Schedules", functions=self.functions.by_name)
        self._deploy_web_client()
        # WebSocket stages log through the account's API Gateway logging role, which the REST API sets.
        account = self.rest_api.api.node.try_find_child("Account")
        for stage in self.websockets.stages.values():
            if account is not None:
                stage.node.add_dependency(account)

        self.alerts = Alerts(self, "Alerts")
        self.alerts.notify(
            [*self.queues.alarms.values(), *self.state_machines.alarms.values(), *self.schedules.alarms.values()]
        )
        self.dashboard = BusinessDashboard(self, "Business", namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

        CfnOutput(self, "WebUrl", value=self.web.origin, description="The web client (CloudFront)")
        CfnOutput(self, "ApiUrl", value=self.rest_api.api.url, description="Base URL of the REST API")
        for name, stage in self.websockets.stages.items():
            CfnOutput(self, f"{pascal(name)}WebSocketUrl", value=stage.url, description=f"{name} sockets")
        CfnOutput(self, "DashboardName", value=self.dashboard.dashboard.dashboard_name, description="Business metrics")
        CfnOutput(self, "AlarmTopicArn", value=self.alerts.topic.topic_arn, description="Subscribe to get alarms")
        acknowledge_findings(self)

    def _deploy_web_client(self) -> None:
        """The client's files and config.json: the API, the first WebSocket API and the card tokenization URL,
        which are also the only origins its CSP lets it connect to."""
        websocket_url = next(iter(self.websockets.stages.values())).url if self.websockets.stages else ""
        tokenization = str(self.node.try_get_context("card_tokenization_url") or "")
        self.web.connect.append(self.rest_api.origin)
        for api in self.websockets.apis.values():
            self.web.connect.append(f"wss://{api.api_id}.execute-api.{self.region}.{self.url_suffix}")
        if tokenization:
            parts = urlsplit(tokenization)
            self.web.connect.append(f"{parts.scheme}://{parts.netloc}")
        self.web.deploy(
            {
                "api_url": self.rest_api.base_url,
                "websocket_url": websocket_url,
                "card_tokenization_url": tokenization,
            }
        )
