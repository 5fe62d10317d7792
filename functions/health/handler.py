"""GET /health. The route takes no input and returns a plain dict, so the resolver runs without validation and
the check answers without importing pydantic."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.api import build_resolver
from insure.routes.platform import router

logger = Logger()
app = build_resolver([router], validation=False)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
