"""Fixes to moto 5.2.1's Step Functions interpreter, applied by the local cloud and the tests (`install()`).

1. A second execution of any state machine fails: moto deep-copies the state machine on `StartExecution`,
   including its earlier executions, whose live workers hold locks ("cannot pickle '_thread.RLock'";
   getmoto/moto#10077, fixed upstream by #10093 after 5.2.1). As upstream does, the copy gets an empty list.
2. Speed, so the local cloud's workflow timings resemble a managed engine rather than a parser benchmark:
   every execution re-parsed the ASL with the ANTLR runtime (about 150 ms for the issuance workflow), and every
   Lambda task built a new boto3 client (10-30 ms) and then made an HTTP round trip to moto's own server, on a
   new connection each time. Parsed programs are cached per definition text (their evaluation state lives in
   each execution's environment, not in the components); the interpreter's boto3 clients are kept per
   (region, service, endpoint); and its Lambda client calls moto's Lambda backend in process (the same backend,
   so the same invocation hook and error reporting, without the HTTP hop).
3. moto's server lists its own package directory (a stat per service) on every request to find the backend;
   the list is computed once.
4. moto's DynamoDB mutates items in place without locking, so a read of an item while another request updates
   it can fail ("dictionary changed size during iteration"); DynamoDB itself is atomic per item. Its calls are
   serialized (they take a few milliseconds)."""

from __future__ import annotations

import copy
import io
import sys
from functools import cache
from typing import Any

from moto.stepfunctions.models import StateMachineInstance

_MARK = "_insure_fixes_installed"


def _deepcopy_without_executions(self: Any, memo: dict[int, Any]) -> Any:
    memo[id(self.executions)] = []
    clone = object.__new__(type(self))
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


def _cache_parsed_programs() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parse = AmazonStateLanguageParser.parse
    cached = cache(parse)
    AmazonStateLanguageParser.parse = staticmethod(cached)  # type: ignore[method-assign,assignment]


class InProcessLambda:
    """The part of a boto3 Lambda client the interpreter uses (`invoke`), answered by moto's Lambda backend."""

    def __init__(self, region: str) -> None:
        self.region = region

    def invoke(self, FunctionName: str, Payload: Any = None, Qualifier: str | None = None, **_: Any) -> Any:
        from botocore.exceptions import ClientError
        from moto.awslambda.models import lambda_backends
        from moto.core.exceptions import JsonRESTError

        account, name = "123456789012", FunctionName
        if name.startswith("arn:"):
            parts = name.split(":")
            account, name = parts[4], parts[6]
            Qualifier = parts[7] if len(parts) > 7 else Qualifier
        body = Payload.decode() if isinstance(Payload, bytes) else (Payload or "")
        response_headers: dict[str, str] = {}
        try:
            payload = lambda_backends[account][self.region].invoke(name, Qualifier, body, {}, response_headers)
        except JsonRESTError as error:
            raise ClientError(
                {
                    "Error": {"Code": error.error_type, "Message": error.message},
                    "ResponseMetadata": {"HTTPStatusCode": error.code, "RequestId": "local"},
                },
                "Invoke",
            ) from None
        raw = payload if isinstance(payload, bytes) else (payload or "").encode()
        response: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": io.BytesIO(raw)}
        if "x-amz-function-error" in response_headers:
            response["FunctionError"] = response_headers["x-amz-function-error"]
        return response


def _cache_interpreter_clients() -> None:
    from moto.stepfunctions.parser.asl.utils import boto_client

    make = boto_client.boto_client_for

    @cache
    def shared(region: str, service: str, intercepted: bool, port: Any) -> Any:
        return make(region, service)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda":  # one account locally: the task's role credentials change nothing here
            return InProcessLambda(region)
        if state_credentials is not None:
            return make(region, service, state_credentials)
        # keyed by where the client points: the in-process mock or the server on its port
        return shared(region, service, boto_client.botocore_stubber.enabled, boto_client.moto_server_port())

    boto_client.boto_client_for = boto_client_for
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is make:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def _cache_backend_names() -> None:
    from moto import backends

    names = frozenset(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: names  # type: ignore[assignment,return-value]


def _serialize_dynamodb() -> None:
    import threading

    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def serialized(self: Any) -> Any:
        with lock:
            return call_action(self)

    DynamoHandler.call_action = serialized  # type: ignore[method-assign]


def install() -> None:
    """Idempotent: patch once per process."""
    if getattr(StateMachineInstance, _MARK, False):
        return
    import moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils  # noqa: F401

    StateMachineInstance.__deepcopy__ = _deepcopy_without_executions  # type: ignore[attr-defined]
    _cache_parsed_programs()
    _cache_interpreter_clients()
    _cache_backend_names()
    _serialize_dynamodb()
    setattr(StateMachineInstance, _MARK, True)
