"""GET /openapi.json and GET /docs: the contract generated from the pydantic models."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.api import build_resolver
from insure.routes.openapi import docs_html, openapi_json

logger = Logger()
router = Router()


@router.get("/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=openapi_json())


@router.get("/docs", include_in_schema=False)
def get_docs() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=docs_html())


app = build_resolver([router])


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
