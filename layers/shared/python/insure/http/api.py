"""The REST resolver every API function uses, and its edge: what every request goes through before a route's
input is parsed or validated, in this order:

1. its request id: the client's `X-Request-Id` when it is sane (1-128 of `A-Z a-z 0-9 . _ : -`), else API
   Gateway's, else a fresh one; echoed on every response, the correlation id of every log line;
2. the body limit (`MAX_BODY_BYTES`): 413 whatever the body holds;
3. credentials, from the route's declared access (`insure.http.access`): 401 before the body is read; the
   resolved caller is what the route hands to services;
4. the body itself: bytes that are not UTF-8 are 400; then, unless the route verifies a signature over the raw
   body itself, a Content-Type other than JSON is 415 and JSON that does not parse (or nests deeper than the
   parser goes) is 400.

Then Powertools validates the input against the route's models (422 with field errors). A client error is logged
as one INFO line with its request id; a server error at ERROR with its trace. Errors become problems in one place
(`insure.http.problems`).

Nothing here imports pydantic: the settings are read when a request has a body to measure, and validation (which
brings pydantic in) is on unless a function that takes no input and builds no models turns it off."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler, NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import Router

from insure import idempotency
from insure.errors import DomainError, FieldError, PayloadTooLarge, RuleViolation
from insure.headers import header
from insure.http import problems
from insure.http.access import CALLER, Access, declared_access, resolve_caller

logger = Logger(service="insurance-platform")

REQUEST_ID = "X-Request-Id"
# What a browser on the web client's origin may read from a cross-origin response.
EXPOSED_HEADERS = "X-Request-Id, ETag, Retry-After, Location"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
JSON_MEDIA_TYPES = ("application/json",)


def sane_request_id(value: str | None) -> str | None:
    """`value` if it may be echoed and logged as a request id, else None."""
    return value if value is not None and SANE_REQUEST_ID.fullmatch(value) else None


def _request_id(app: APIGatewayRestResolver) -> str:
    event = app.current_event
    sent = header(event.headers, "x-request-id")
    gateway = (event.get("requestContext") or {}).get("requestId")
    return sane_request_id(sent) or sane_request_id(gateway) or str(uuid.uuid4())


def _max_body_bytes() -> int:
    from insure.settings import get_settings

    return get_settings().max_body_bytes


def _body_bytes(app: APIGatewayRestResolver) -> bytes | None:
    """The body as the client sent it (None when it is not valid base64, which API Gateway never sends)."""
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    return body.encode("utf-8", "surrogatepass")


def _media_type(app: APIGatewayRestResolver) -> str:
    value = header(app.current_event.headers, "content-type") or ""
    return value.split(";", 1)[0].strip().lower()


def _body_problem(app: APIGatewayRestResolver, raw: bytes, level: Access) -> Response | None:
    """Why the body cannot be read as the route's input, if it cannot: text for every route (a signed route's
    signature covers text), JSON for those that leave the reading to the edge."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return problems.problem(400, "Malformed body", "The body is not UTF-8 text.", slug="malformed-body")
    if level is Access.SIGNED:
        return None
    media_type = _media_type(app)
    if media_type and media_type not in JSON_MEDIA_TYPES and not media_type.endswith("+json"):
        return problems.problem(
            415, "Unsupported media type", "Send the body as application/json.", slug="unsupported-media-type"
        )
    try:
        parsed = app.current_event.json_body  # parsed once here, the validation reads the cached value
    except RecursionError:
        return problems.problem(400, "Malformed JSON", "The JSON nests too deeply.", slug="malformed-json")
    except ValueError:
        return problems.problem(400, "Malformed JSON", "The request body is not valid JSON.", slug="malformed-json")
    route = app.context.get("_route")
    takes_body = bool(getattr(getattr(route, "dependant", None), "body_params", None))
    if takes_body and not isinstance(parsed, dict):
        # Every request body is a JSON object; Powertools would read a list's first element as the body.
        return problems.from_domain_error(
            RuleViolation("The body must be a JSON object.", errors=[FieldError("body", "must be a JSON object")])
        )
    return None


def _edge(app: APIGatewayRestResolver, next_middleware: NextMiddleware | Callable[[Any], Response]) -> Response:
    request_id = _request_id(app)
    app.append_context(request_id=request_id)
    logger.set_correlation_id(request_id)
    idempotency.use_lambda_context(app.lambda_context)
    route = app.context.get("_route")
    level = (declared_access(route.func) if route is not None else None) or Access.PUBLIC
    raw = _body_bytes(app)
    if raw is None:
        return _finish(app, problems.problem(400, "Malformed body", "The body is not valid.", slug="malformed-body"))
    if raw:
        limit = _max_body_bytes()
        if len(raw) > limit:
            return _finish(app, problems.from_domain_error(PayloadTooLarge(f"The body exceeds {limit} bytes.")))
    app.append_context(**{CALLER: resolve_caller(level, app.current_event.headers)})
    if raw:
        refused = _body_problem(app, raw, level)
        if refused is not None:
            return _finish(app, refused)
    return _finish(app, next_middleware(app))


class _EdgeThenValidation(BaseMiddlewareHandler):
    """The edge, then Powertools' request validation (which otherwise runs before any middleware of ours)."""

    def __init__(self, validation: Callable[..., Response]) -> None:
        self.validation = validation

    def handler(self, app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        return _edge(app, lambda current: self.validation(current, next_middleware))


def _finish(app: APIGatewayRestResolver, response: Response) -> Response:
    """Every response leaves with its request id; a client error is logged as one line, without a trace."""
    request_id = app.context.get("request_id")
    if request_id:
        response.headers[REQUEST_ID] = request_id
    origin = header(app.current_event.headers, "origin")
    if origin is not None:
        _allow_origin(response, origin)
    status = int(response.status_code)
    if 400 <= status < 500 and not app.context.get("_logged"):
        app.append_context(_logged=True)
        logger.info("client error", extra=_log_fields(app, status, response))
    return response


def _allow_origin(response: Response, origin: str) -> None:
    """CORS for exactly the web client's origin (the `WEB_ORIGIN` setting); any other origin gets no grant."""
    from insure.settings import get_settings

    allowed = get_settings().web_origin.rstrip("/")
    response.headers["Vary"] = "Origin"
    if allowed and origin == allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def _log_fields(app: APIGatewayRestResolver, status: int, response: Response) -> dict[str, Any]:
    """What operators need about a request, never who made it nor what it carried."""
    route = app.context.get("_route")
    found = app.context.get(CALLER)
    fields: dict[str, Any] = {
        "status": status,
        "method": app.current_event.http_method,
        "route": getattr(route, "path", None),
        "caller": getattr(found, "kind", None),
    }
    body = response.body if isinstance(response.body, str) else None
    if body and response.content_type == problems.PROBLEM_JSON:
        fields["problem"] = problems.slug_of(body)
    return fields


def build_resolver(
    routers: Iterable[Router], *, title: str = "Insurance platform API", validation: bool = True
) -> APIGatewayRestResolver:
    """A REST resolver with the platform's edge and problem mapping, serving `routers`. Validation is on unless
    `validation=False`, for a function whose routes take no parameters nor body and return plain dicts (e.g.
    health: it then answers without importing pydantic). The published document is generated with validation on
    either way (`insure.routes.openapi`)."""
    app = APIGatewayRestResolver(enable_validation=validation)
    validating = getattr(app, "_request_validation_middleware", None)
    if validating is not None:
        # Powertools runs its request validation before every middleware; the edge must come first.
        app._request_validation_middleware = _EdgeThenValidation(validating)  # type: ignore[assignment]
    else:
        app.use(middlewares=[_edge])
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return _finish(app, problems.from_domain_error(error))

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return _finish(app, problems.from_validation_errors(list(error.errors())))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        path = app.current_event.path
        return _finish(app, problems.problem(404, "Not found", f"No resource at {path}.", slug="not-found"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("server error", extra={"method": app.current_event.http_method})
        return _finish(
            app,
            problems.problem(500, "Internal error", "Something went wrong on our side.", slug="internal-error"),
        )

    return app


HandlerFunc = Callable[..., object]
