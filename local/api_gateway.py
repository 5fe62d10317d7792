"""API Gateway REST proxy integration, locally: a WSGI app that turns each HTTP request into a REST v1 proxy
event for the declared function of its route, and the function's result back into an HTTP response."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import select
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

import declaration
from local import unanswered
from local.functions_host import ClientGone, FunctionsHost, IntegrationTimeout

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own limit
# What a CORS preflight may ask for (API Gateway's defaultCorsPreflightOptions in the stack allows the same).
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id"
CORS_ALLOW_METHODS = "GET, POST, PATCH, PUT, DELETE, OPTIONS"
PROBLEM = "application/problem+json"
REQUEST_ID = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_KEY = "insure.request_id"  # where the request's id travels in the WSGI environ
INTEGRATION_TIMEOUT_S = 29.0  # API Gateway's REST integration timeout
# What one client (source address) may send: below what the local cloud sustains on this machine (measured by
# `python -m benchmarks capacity`), so that queued requests do not outlive their clients. A setting of the local
# cloud, as a usage plan's limits are in AWS: API_CLIENT_RATE_PER_S and API_CLIENT_BURST raise (or lower) it for a
# run, e.g. the fuzzing gate's, whose single client sends as fast as the cloud answers.
CLIENT_RATE_PER_S = 25.0
CLIENT_BURST = 50


def client_waiting(environ: Mapping[str, Any]) -> Callable[[], bool] | None:
    """Whether the client of a request is still connected, or None when that cannot be known (no socket: an
    in-process test client). Its request has been read whole, so a readable socket that yields no byte is the
    client's end closed (it gave up); waiting bytes (a next request) or none at all mean it is still there."""
    connection = environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        return None

    def connected() -> bool:
        try:
            poller = select.poll()
            poller.register(connection, select.POLLIN)
            if not poller.poll(0):
                return True
            return connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):  # reset, or already closed
            return False

    return connected


def _problem(status: int, title: str, detail: str, slug: str) -> Response:
    body = {
        "type": f"https://problems.insurance-platform.example/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    return Response(json.dumps(body), status=status, content_type=PROBLEM)


class _Route:
    def __init__(self, method: str, path: str, function: str) -> None:
        self.method, self.resource, self.function = method, path, function
        pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(path))
        self.regex = re.compile(f"^{pattern}$")


class TokenBucket:
    """Stage throttling (rate per second, burst), as API Gateway applies it: 429 once the bucket is empty."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        return self.wait() == 0.0

    def wait(self) -> float:
        """Takes a token and returns 0, or returns the seconds until one is available (none taken)."""
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class ClientThrottle:
    """A token bucket per client (its source address), as a per-client usage-plan limit or a rate-based rule in
    front of API Gateway applies: one client's burst does not starve the others. Idle clients are forgotten
    (least recently seen first) beyond `max_clients`."""

    def __init__(self, rate: float = CLIENT_RATE_PER_S, burst: int = CLIENT_BURST, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ClientThrottle:
        """The per-client limit this run was started with (API_CLIENT_RATE_PER_S, API_CLIENT_BURST), else the
        defaults above."""
        try:
            rate = float(environ.get("API_CLIENT_RATE_PER_S") or CLIENT_RATE_PER_S)
            burst = int(environ.get("API_CLIENT_BURST") or CLIENT_BURST)
        except ValueError:
            raise ValueError("API_CLIENT_RATE_PER_S must be a number and API_CLIENT_BURST a whole number") from None
        if rate <= 0 or burst < 1:
            raise ValueError("API_CLIENT_RATE_PER_S must be above 0 and API_CLIENT_BURST at least 1")
        return cls(rate=rate, burst=burst)

    def wait(self, client: str) -> float:
        with self._lock:
            bucket = self._buckets.pop(client, None) or TokenBucket(self.rate, self.burst)
            self._buckets[client] = bucket
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return bucket.wait()


class ApiGateway:
    """The WSGI application serving every declared route."""

    def __init__(
        self,
        host: FunctionsHost,
        *,
        stage: str = "local",
        throttle: TokenBucket | None = None,
        clients: ClientThrottle | None = None,
        integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
        extra: dict[tuple[str, str], Callable[[Request], Response]] | None = None,
        log: Callable[[str], None] | None = None,
        web: Callable[[Request], Response | None] | None = None,
        cors_origin: str = "",
    ) -> None:
        self.host, self.stage = host, stage
        self.routes = [_Route(m, p, f) for m, p, f in declaration.all_routes()]
        self.throttle = throttle or TokenBucket(rate=500, burst=1000)  # the stage's limit, all clients together
        self.clients = clients or ClientThrottle.from_environment()
        self.integration_timeout_s = integration_timeout_s
        self.extra = extra or {}
        self.log = log  # one readable line per request (method, path, status, ms, request id), e.g. `print`
        # The web client's files on the same origin (None when it is not for them), and the one origin CORS allows.
        self.web, self.cors_origin = web, cors_origin.rstrip("/")

    def match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        allowed: list[str] = []
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                allowed.append(route.method)
        if allowed:
            raise _MethodNotAllowed(sorted(set(allowed)))
        return None

    def event(self, request: Request, route: _Route, params: dict[str, str], body: bytes) -> dict[str, Any]:
        text: str | None
        try:
            text, is_b64 = (body.decode("utf-8") if body else None), False
        except UnicodeDecodeError:
            text, is_b64 = base64.b64encode(body).decode(), True
        request_id = request.environ.get(REQUEST_ID_KEY) or str(uuid.uuid4())
        headers = {k: v for k, v in request.headers.items() if k.lower() != "x-request-id"}
        headers[REQUEST_ID] = request_id  # the sane id the gateway answers with, or a fresh one
        multi_headers = {k: request.headers.getlist(k) for k in headers if k != REQUEST_ID}
        multi_headers[REQUEST_ID] = [request_id]
        query = {k: v for k, v in request.args.items()} or None
        multi_query = {k: request.args.getlist(k) for k in request.args} or None
        return {
            "resource": route.resource,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": params or None,
            "stageVariables": None,
            "body": text,
            "isBase64Encoded": is_b64,
            "requestContext": {
                "resourcePath": route.resource,
                "httpMethod": request.method,
                "path": f"/{self.stage}{request.path}",
                "stage": self.stage,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
            },
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        request = Request(environ)
        sent = request.headers.get(REQUEST_ID)
        request_id = sent if sent and SANE_REQUEST_ID.fullmatch(sent) else str(uuid.uuid4())
        environ[REQUEST_ID_KEY] = request_id
        try:
            response = self.respond(request)
        except Exception:  # noqa: BLE001 - the gateway itself failed: a problem, never a stack trace
            response = _problem(500, "Internal error", "The gateway failed.", "internal-error")
        response.headers[REQUEST_ID] = request_id  # every answer, the gateway's own included
        if self.log is not None:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.log(f"{request.method} {request.path} {response.status_code} {elapsed_ms:.0f} ms {request_id}")
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        started = time.perf_counter()
        wait = self.clients.wait(request.remote_addr or "unknown") or self.throttle.wait()
        if wait:
            response = _problem(429, "Too many requests", "Too many requests; retry after a moment.", "throttled")
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return response
        extra = self.extra.get((request.method, request.path))
        if extra is not None:
            return extra(request)
        too_large = _problem(413, "Payload too large", "The body exceeds 10 MB.", "payload-too-large")
        if self.web is not None and not any(route.regex.match(request.path) for route in self.routes):
            # an API route under a page's prefix (GET /admin/customers, under /admin) stays the API's
            page = self.web(request)
            if page is not None:
                return page
        if request.method == "OPTIONS":
            return self.preflight(request)
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return too_large
        try:
            found = self.match(request.method, request.path)
        except _MethodNotAllowed as refused:
            response = _problem(
                405, "Method not allowed", f"{request.method} is not served here.", "method-not-allowed"
            )
            response.headers["Allow"] = ", ".join(refused.allowed)
            return response
        if found is None:
            return _problem(404, "Not found", f"No resource at {request.path}.", "not-found")
        route, params = found
        body = request.stream.read(MAX_PAYLOAD_BYTES + 1)  # chunked bodies announce no length: read one byte over
        if len(body) > MAX_PAYLOAD_BYTES:
            return too_large
        waiting = client_waiting(request.environ)
        try:
            event = self.event(request, route, params, body)
            result = self._invoke(route.function, event, waiting)
        except ClientGone:  # no one reads this answer: it is for the log line
            return _problem(499, "Client closed request", "The client left before its turn.", "client-gone")
        except IntegrationTimeout:
            detail = f"The function did not answer within {self.integration_timeout_s:g} s."
            return _problem(504, "Gateway timeout", detail, "gateway-timeout")
        except Exception:  # noqa: BLE001 - API Gateway answers 502 when the integration fails
            return _problem(502, "Bad gateway", "The function failed.", "bad-gateway")
        if waiting is not None and not waiting():  # it ran, and its client left meanwhile: no one gets the answer
            undone = unanswered.undo(route.method, route.resource, event, result)
            detail = "The client left while its request ran" + ("; what it created was undone." if undone else ".")
            return _problem(499, "Client closed request", detail, "client-gone")
        response = self.to_response(result)
        response.headers["X-Server-Time-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response

    def _invoke(self, function: str, event: dict[str, Any], wanted: Callable[[], bool] | None = None) -> Any:
        """The function's result, or IntegrationTimeout once the integration timeout has passed: a request still
        queued then never runs; one already running finishes in the background (as a Lambda does), unanswered.
        A request whose client has gone when its turn comes (`wanted`, `client_waiting`) never runs: ClientGone."""
        deadline = time.monotonic() + self.integration_timeout_s
        done = threading.Event()
        outcome: dict[str, Any] = {}
        options: dict[str, Any] = {"deadline": deadline} | ({"wanted": wanted} if wanted else {})

        def run() -> None:
            try:
                outcome["result"] = self.host.invoke(function, event, **options)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting request
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=run, name=f"integration-{function}", daemon=True).start()
        if not done.wait(self.integration_timeout_s):
            raise IntegrationTimeout(function)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def preflight(self, request: Request) -> Response:
        """A CORS preflight, answered by the gateway as API Gateway's preflight options do: the grant is given to
        the web client's origin only."""
        try:
            exists = self.match("GET", request.path) is not None
        except _MethodNotAllowed:
            exists = True  # the path is served with other methods
        if not exists:
            return _problem(404, "Not found", f"No resource at {request.path}.", "not-found")
        response = Response(status=204)
        response.headers["Vary"] = "Origin"
        if self.cors_origin and request.headers.get("Origin") == self.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.cors_origin
            response.headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    @staticmethod
    def to_response(result: dict[str, Any]) -> Response:
        raw = result.get("body") or ""
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        response = Response(payload, status=int(result.get("statusCode", 200)))
        response.headers.clear()
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = value
        for key, values in (result.get("multiValueHeaders") or {}).items():
            if key in (result.get("headers") or {}):
                continue
            for value in values:
                response.headers.add(key, value)
        response.headers["Content-Length"] = str(len(payload))
        return response


class _MethodNotAllowed(Exception):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed
