"""The platform's claims desk: the insurer connector's calls (signed) and the adjusters' back office (admin)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.api import build_resolver
from insure.routes.claims_desk import router

logger = Logger()
app = build_resolver([router])


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
