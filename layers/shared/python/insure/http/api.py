"""The REST resolver every API function uses: validation on, problems for every error, request ids echoed,
body size limited. Routers from `insure.routes` are included by the function that serves them.

Nothing here imports pydantic: the settings are read when a request has a body to measure, and validation (which
brings pydantic in) is on unless a function that takes no input and builds no models turns it off."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import Router

from insure import idempotency
from insure.errors import DomainError, PayloadTooLarge
from insure.http import problems

logger = Logger(service="insurance-platform")

REQUEST_ID = "X-Request-Id"


def _request_id_and_size(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    headers = app.current_event.headers or {}
    request_id = next((v for k, v in headers.items() if k.lower() == "x-request-id" and v), None) or str(uuid.uuid4())
    app.append_context(request_id=request_id)
    idempotency.use_lambda_context(app.lambda_context)
    body = app.current_event.body or ""
    limit = _max_body_bytes() if body else None  # an empty body is within any limit
    if limit is not None and len(body.encode()) > limit:
        response = problems.from_domain_error(PayloadTooLarge(f"The body exceeds {limit} bytes."))
    else:
        response = next_middleware(app)
    response.headers[REQUEST_ID] = request_id
    return response


def _max_body_bytes() -> int:
    from insure.settings import get_settings

    return get_settings().max_body_bytes


def _with_request_id(app: APIGatewayRestResolver, response: Response) -> Response:
    request_id = app.context.get("request_id")
    if request_id:
        response.headers[REQUEST_ID] = request_id
    return response


def build_resolver(
    routers: Iterable[Router], *, title: str = "Insurance platform API", validation: bool = True
) -> APIGatewayRestResolver:
    """A REST resolver with the platform's middleware and problem mapping, serving `routers`. Validation is on
    unless `validation=False`, for a function whose routes take no parameters nor body and return plain dicts
    (e.g. health: it then answers without importing pydantic). The published document is generated with
    validation on either way (`insure.routes.openapi`)."""
    app = APIGatewayRestResolver(enable_validation=validation)
    app.use(middlewares=[_request_id_and_size])
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return _with_request_id(app, problems.from_domain_error(error))

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return _with_request_id(app, problems.from_validation_errors(list(error.errors())))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        path = app.current_event.path
        return _with_request_id(app, problems.problem(404, "Not found", f"No resource at {path}.", slug="not-found"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return _with_request_id(
            app,
            problems.problem(500, "Internal error", "Something went wrong on our side.", slug="internal-error"),
        )

    return app


HandlerFunc = Callable[..., object]
