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
   serialized (they take a few milliseconds).
5. More speed, measured on a whole issuance session: the interpreter built a new JSONPath parser (PLY tables
   and all) for every path it evaluated, about 40 times per session; parsed paths are now kept per path text
   (a parsed path holds no data). It deep-copied the state with `copy.deepcopy` at every step; state data is
   JSON, which a plain tree copy duplicates with the same result several times faster (anything that is not a
   JSON value still goes through `copy.deepcopy`). moto's request dispatch listed every method of the handler
   class with `inspect.getmembers` on every call; the list is kept per class.
6. moto 5.2's response serializer walks every DynamoDB attribute value member by member through the service
   model (about 4 ms of a 6 ms GetItem of an application). An attribute value that is already plain JSON of
   the wire shape (S, N, BOOL, NULL, SS, NS, M, L; anything with binary takes the generic path) is written as
   it is, which is what the generic walk produces for it (tests/integration/test_moto_fixes.py compares them)."""

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


_SCALARS = (str, int, float, bool, type(None))


def copy_json(value: Any, memo: Any = None) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars); anything else is deep-copied by `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value, memo)


def _copy_state_as_json() -> None:
    from types import SimpleNamespace

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
    from moto.stepfunctions.parser.asl.eval import states

    json_copy = SimpleNamespace(deepcopy=copy_json)
    for module in (states, string_expression, result_path, execute_state, state_task_service):
        module.copy = json_copy  # type: ignore[attr-defined]


def _cache_json_paths() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    json_path.parse = cache(json_path.parse)  # type: ignore[attr-defined]
    result_path.parse = cache(result_path.parse)  # type: ignore[attr-defined]


def _cache_handler_methods() -> None:
    from moto.core import responses, utils

    responses.method_names_from_class = cache(utils.method_names_from_class)  # type: ignore[attr-defined]


_STRING_SETS = frozenset({"SS", "NS"})


def plain_attribute(value: Any) -> bool:
    """Whether `value` is a DynamoDB attribute value in its JSON wire form with no binary anywhere."""
    if type(value) is not dict or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        return type(inner) is str
    if kind in ("BOOL", "NULL"):
        return type(inner) is bool
    if kind == "M":
        return type(inner) is dict and all(type(k) is str and plain_attribute(v) for k, v in inner.items())
    if kind == "L":
        return type(inner) is list and all(plain_attribute(v) for v in inner)
    if kind in _STRING_SETS:
        return type(inner) is list and all(type(v) is str for v in inner)
    return False


def _write_plain_attribute_values() -> None:
    from moto.core.serialize import BaseJSONSerializer

    generic = BaseJSONSerializer._serialize

    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and plain_attribute(value):
            self._default_serialize(serialized, value, shape, key)
            return
        generic(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize = serialize  # type: ignore[method-assign]


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
    _copy_state_as_json()
    _cache_json_paths()
    _cache_handler_methods()
    _write_plain_attribute_values()
    setattr(StateMachineInstance, _MARK, True)
