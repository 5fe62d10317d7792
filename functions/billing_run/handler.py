"""Scheduled billing run: charges the installments due, retries declined ones, lapses policies unpaid past grace."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.roots import Lazy
from insure.roots.billing import BillingRoot

logger = Logger()
root = Lazy(BillingRoot.from_environment)
MARGIN_S = 30.0  # stop starting charges this long before the function's timeout; the next run does the rest


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining_ms = context.get_remaining_time_in_millis() if context is not None else None
    deadline = None if remaining_ms is None else max(1.0, remaining_ms / 1000 - MARGIN_S)
    report = root().run.run(deadline_s=deadline)
    logger.info("billing run", extra={"schedule": event.get("schedule"), **report.as_dict()})
    return report.as_dict()
