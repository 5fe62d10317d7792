"""The workflow engine as the API sees it: start an issuance execution, complete a waiting task."""

from __future__ import annotations

import json
from typing import Any, Protocol

from insure.errors import Conflict


class WorkflowEngine(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> None: ...

    def complete(self, token: str, output: dict[str, Any]) -> None: ...


class StepFunctionsEngine:
    """Step Functions: executions are named, so starting the same name twice starts one execution."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        from insure.aws import client

        try:
            client("stepfunctions").start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    def complete(self, token: str, output: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        from insure.aws import client

        try:
            client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
                raise Conflict("This step is no longer waiting (the offer or session may have expired).") from None
            raise
