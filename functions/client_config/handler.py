"""GET /config: tells any client (the web client first) where the API and the live-updates WebSocket are."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.api import build_resolver
from insure.routes.client_config import router

logger = Logger()
app = build_resolver([router], validation=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
