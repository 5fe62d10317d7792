"""GET /openapi.json and GET /docs: the published contract.

The document is generated from the pydantic models of every router at build time (`make openapi`, checked by
tests/unit/test_openapi.py), so this function serves a file and pays no schema generation on a cold start."""

from functools import cache
from pathlib import Path

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.access import Access, access
from insure.http.api import build_resolver
from insure.routes.openapi import DOCUMENT_PATH, docs_html

logger = Logger()
app = build_resolver([], validation=False)


@cache
def _document() -> str:
    return Path(DOCUMENT_PATH).read_text()


@app.get("/openapi.json")
@access(Access.PUBLIC)
def get_openapi() -> Response:
    return Response(status_code=200, content_type="application/json", body=_document())


@app.get("/docs")
@access(Access.PUBLIC)
def get_docs() -> Response:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=docs_html())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
