"""Back office for customer accounts: find, unlock, history (admin)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.api import build_resolver
from insure.routes.accounts_backoffice import router

logger = Logger()
app = build_resolver([router])


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
