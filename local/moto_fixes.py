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
   it is, which is what the generic walk produces for it (tests/integration/test_moto_fixes.py compares them).
7. Measured on the insurer fan-out: moto's SQS checked each received message's retention by computing every
   queue attribute three times, each count walking every message of the queue (quadratic in queue depth); the
   retention period is read from the queue. Its clock (`unix_time`, called per message per receive) does
   datetime arithmetic; the current time is `time.time()`. Its DynamoDB update validators rebuilt their
   node-class table for every node of every update expression; the table is kept per validator.
8. moto's DynamoDB Query on a table's own key listed and sorted every item of the table, then kept those of the
   partition: each query cost grew with the table (the local cloud got slower the longer it ran). Such a query
   now looks at its partition only, then runs moto's own query code on it (same ordering, filters, paging).
9. moto parsed every UpdateExpression twice per UpdateItem (once to check names, once to apply); the parse of an
   expression text is kept (its tree is only read, or deep-copied before it is validated and applied). Of the
   validators run on every update, the clause count check depends on the tree alone and re-walks it once per
   nested node (quadratic in the number of actions): once a parsed tree has passed it, copies of that tree skip
   it (the other validators, which depend on the item and the values, still run every time).
10. moto's S3 closes an object's buffer when the key is overwritten, even while another request is still
   reading it: two concurrent puts of the same key (issuance storing a policy document while the document
   endpoint renders the same missing one on demand) failed with "I/O operation on closed file", and a read racing
   a put could fail the same way. S3 itself serves both. S3 requests are serialized like DynamoDB's (the
   platform makes few of them: one document per policy version).
11. moto's SQS deletes a message by building a new message list and swapping it in, without the lock that
   sending takes: when two batches finish at once, two deletes rebuild from the same list and the later swap
   brings back the message the other one deleted (it is delivered again), and a message sent just before a swap
   can be dropped from the list. Deletion takes the queue's own message lock (the one SendMessage takes;
   re-entrant, and released while a receive long-polls)."""

from __future__ import annotations

import copy
import io
import sys
import threading
from functools import cache, lru_cache
from typing import Any

from moto.stepfunctions.models import StateMachineInstance

_MARK = "_insure_fixes_installed"
GENERIC: dict[str, Any] = {}  # moto's own functions that a fix replaced, by "Class.name" (tests compare them)


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


def _cheaper_sqs_bookkeeping() -> None:
    import time

    from moto.core import utils
    from moto.sqs import models

    generic_unix_time = utils.unix_time

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else generic_unix_time(dt)

    def unix_time_millis(dt: Any = None) -> float:
        return unix_time(dt) * 1000.0

    models.unix_time = unix_time  # type: ignore[attr-defined]
    models.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    models.SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )


def _keep_validator_node_classes() -> None:
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        cached: tuple[type, ...] | None = self.__dict__.get("_node_classes")
        if cached is None:
            cached = self.__dict__["_node_classes"] = tuple(self._processing_map())
        return cached

    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed  # type: ignore[method-assign]


_partition = threading.local()


def _query_partition_only() -> None:
    from moto.dynamodb.models.table import Table

    generic_all_items = Table.all_items
    generic_query = Table.query

    def all_items(self: Any) -> Any:
        hint = getattr(_partition, "hint", None)
        if hint is None or hint[0] is not self:
            return generic_all_items(self)
        hash_key = hint[1]
        if hash_key not in self.items:
            return []
        found = self.items[hash_key]
        if not self.range_key_attr:
            return [found]
        return sorted(found.values(), key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return generic_query(self, hash_key, *args, **kwargs)
        _partition.hint = (self, hash_key)
        try:
            return generic_query(self, hash_key, *args, **kwargs)
        finally:
            _partition.hint = None

    GENERIC["Table.query"] = generic_query
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def _cache_update_expressions() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    generic_make = UpdateExpressionParser.make.__func__

    @lru_cache(maxsize=512)
    def parsed(cls: Any, expression: str) -> Any:
        return generic_make(cls, expression)

    UpdateExpressionParser.make = classmethod(parsed)  # type: ignore[arg-type]

    from moto.dynamodb.parsing.validators import ActionCountValidator, UpdateExpressionValidator

    generic_init = UpdateExpressionValidator.__init__
    generic_validate = UpdateExpressionValidator.validate

    def init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        generic_init(self, expression, *args, **kwargs)
        self._parsed = expression

    def validate(self: Any) -> Any:
        parsed = self.__dict__.get("_parsed")
        counted = getattr(parsed, "_clause_counts_valid", False)
        if counted:
            self.processors = [p for p in self.processors if not isinstance(p, ActionCountValidator)]
        validated = generic_validate(self)
        if parsed is not None and not counted:
            parsed._clause_counts_valid = True
        return validated

    UpdateExpressionValidator.__init__ = init  # type: ignore[method-assign]
    UpdateExpressionValidator.validate = validate  # type: ignore[method-assign]


def _serialize(cls: Any, *names: str) -> None:
    """Makes the named request methods of a moto response class take turns under one lock (re-entrant)."""
    lock = threading.RLock()
    for name in names:
        generic = getattr(cls, name)
        GENERIC[f"{cls.__name__}.{name}"] = generic

        def serialized(self: Any, *args: Any, _generic: Any = generic, **kwargs: Any) -> Any:
            with lock:
                return _generic(self, *args, **kwargs)

        setattr(cls, name, serialized)


def _serialize_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    _serialize(DynamoHandler, "call_action")


def _serialize_s3() -> None:
    from moto.s3.responses import S3Response

    _serialize(S3Response, "ambiguous_response", "bucket_response", "key_response")


def _lock_sqs_deletes() -> None:
    from moto.sqs.models import Queue

    generic = Queue.delete_message
    GENERIC["Queue.delete_message"] = generic

    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            generic(self, receipt_handle)

    Queue.delete_message = delete_message  # type: ignore[method-assign]


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
    _serialize_s3()
    _lock_sqs_deletes()
    _copy_state_as_json()
    _cache_json_paths()
    _cache_handler_methods()
    _write_plain_attribute_values()
    _cheaper_sqs_bookkeeping()
    _keep_validator_node_classes()
    _query_partition_only()
    _cache_update_expressions()
    setattr(StateMachineInstance, _MARK, True)
