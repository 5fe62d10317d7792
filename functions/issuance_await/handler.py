"""Issuance workflow task: stores the task token that acceptance or payment completes."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.roots import Lazy
from insure.roots.workflows import WorkflowsRoot

logger = Logger()
root = Lazy(WorkflowsRoot.from_environment)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(application_id=event.get("application_id"), amendment_id=event.get("amendment_id"))
    return root().tasks_for(event).await_callback(event)
