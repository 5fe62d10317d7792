"""The REST API: exactly the declared routes, each proxied to its function; throttled, traced, access-logged."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

import declaration
from stacks.conventions import API_STAGE, API_THROTTLE_BURST, API_THROTTLE_RATE, PUBLIC_BASE_URL_ENV


class RestApi(Construct):
    """One API Gateway REST API. Request bodies are limited by the functions (MAX_BODY_BYTES): API Gateway's
    own limit is a fixed 10 MB."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: dict[str, lambda_.Function],
        cors_origin: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
        )
        self.api = apigateway.RestApi(
            self,
            "Api",
            description="Insurance platform public API",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=True,
            binary_media_types=["application/pdf"],
            # CORS preflights for the web client's origin only, answered by API Gateway; the functions add the
            # grant to their answers for the same origin (WEB_ORIGIN).
            default_cors_preflight_options=apigateway.CorsOptions(
                allow_origins=[cors_origin],
                allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-Id"],
                max_age=Duration.minutes(10),
            )
            if cors_origin
            else None,
            deploy_options=apigateway.StageOptions(
                stage_name=API_STAGE,
                throttling_rate_limit=API_THROTTLE_RATE,
                throttling_burst_limit=API_THROTTLE_BURST,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # never log request bodies: they can carry card numbers
                access_log_destination=apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        integrations: dict[str, apigateway.LambdaIntegration] = {}
        for method, path, function_name in declaration.all_routes():
            if function_name not in integrations:
                integrations[function_name] = apigateway.LambdaIntegration(
                    functions[function_name], proxy=True, allow_test_invoke=False
                )
            self.api.root.resource_for_path(path).add_method(method, integrations[function_name])
        # Built from the API id and the stage name, not `api.url`, which would make functions depend on the
        # deployment that depends on them.
        stack = Stack.of(self)
        self.origin = f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        self.base_url = f"{self.origin}/{API_STAGE}"
        for function in functions.values():
            function.add_environment(PUBLIC_BASE_URL_ENV, self.base_url)
