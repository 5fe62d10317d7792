"""Start-up step for the issuance workflow on the local cloud: once the API is up, the workflow's task functions
loaded, its ASL parsed and the rulebooks compiled, so the first person's session does not pay for them (the
issuing task alone imports fpdf). moto's interpreter fixes come with the Lambda hook (`local.lambda_hook`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from declaration.issuance import ISSUANCE_TASKS
from local.resources import REGION

if TYPE_CHECKING:
    from local.cloud import LocalCloud


class IssuanceWorkflow:
    name = "issuance-workflow"

    def __init__(self) -> None:
        self._warmed = False

    def start(self, cloud: LocalCloud) -> None:
        return None

    def after_start(self, cloud: LocalCloud) -> None:
        import boto3
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.asl.utils import boto_client

        from insure.underwriting import products

        cloud.functions.warm(sorted(set(ISSUANCE_TASKS.values())))
        for arn in cloud.deployment.state_machines.values():
            definition = boto3.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
            AmazonStateLanguageParser.parse(definition)  # cached by moto_fixes: executions reuse the program
        products()  # compiles every current rulebook once for the process
        boto_client.boto_client_for(REGION, "lambda")  # the interpreter's Lambda client, kept by moto_fixes
        self._warmed = True

    def stop(self) -> None:
        return None

    def health(self) -> str:
        return "ok" if self._warmed else "starting"
