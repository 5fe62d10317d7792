"""Builds the CDK app: the platform stack plus cdk-nag's AwsSolutions checks as a policy validation plugin."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.platform_stack import PlatformStack

STACK_NAME = "InsurancePlatform"
# Feature flags the stack relies on, set here so `cdk synth`, scripts/synth_check.py and the tests agree.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:validationReportJson": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:target-partitions": ["aws"],
}


def offline_context() -> dict[str, Any]:
    """Context for synthesis without Docker or network: asset bundling is skipped for every stack."""
    return {"aws:cdk:bundling-stacks": []}


def build_app(
    context: dict[str, Any] | None = None, *, nag: bool = True, outdir: str | None = None
) -> tuple[App, PlatformStack]:
    """The app and its one stack. `nag=False` leaves cdk-nag out (template tests do not need it)."""
    app = App(context={**FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    stack = PlatformStack(
        app,
        STACK_NAME,
        description="Insurance platform: single-session issuance and risk events",
        env=Environment(account=app.node.try_get_context("account"), region=app.node.try_get_context("region")),
    )
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
