"""Scheduled renewal run: offers (or declines) the renewals due and expires the terms left unrenewed."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.roots import Lazy
from insure.roots.billing import BillingRoot

logger = Logger()
root = Lazy(BillingRoot.from_environment)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts = root().renewals.run()
    logger.info("renewal run", extra={"schedule": event.get("schedule"), **counts})
    return counts
