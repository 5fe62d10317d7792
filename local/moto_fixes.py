"""What the local cloud changes in moto, as a registry: each `Patch` names its targets (moto attributes, with the
signature they have in the pinned moto), its kind (`correctness`: moto answers wrongly without it; `speed`: a
budget of `make bench` needs it), why, and the upstream reference. `install()` applies them once per process and
only on the pinned moto version (`MotoVersionMismatch` otherwise: re-check each target, then update `PINNED_MOTO`);
`without(name)` takes one out for a test (tests/integration/test_moto_fixes.py runs each with and without).
`LOCAL_MOTO_FIXES_SKIP=name,...` leaves speed patches out, to measure what each is worth."""

from __future__ import annotations

import copy
import importlib
import io
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from types import SimpleNamespace
from typing import Any, Literal

PINNED_MOTO = "5.2.1"  # the version every target below was read in (requirements-dev.txt pins it)
ABSENT = "<absent>"  # a target the patch adds: it must not exist yet (upstream may have added its own)
MODULE = "<module>"  # a target that is a module imported by another module (replaced by a stand-in)


class MotoVersionMismatch(RuntimeError):
    """The installed moto is not the one the patches were written against."""


@dataclass(frozen=True)
class Target:
    """`path` is "module:Attribute" or "module:Class.attribute"; `signature` is `str(inspect.signature(...))` of the
    original in the pinned moto, or ABSENT / MODULE."""

    path: str
    signature: str

    def resolve(self) -> tuple[Any, str]:
        module_name, _, qualified = self.path.partition(":")
        owner: Any = importlib.import_module(module_name)
        *parents, name = qualified.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        return owner, name


Originals = dict[str, Any]  # target path -> the original, as attribute access returns it


@dataclass(frozen=True)
class Patch:
    name: str
    kind: Literal["correctness", "speed"]
    targets: tuple[Target, ...]
    why: str
    upstream: str
    build: Callable[[Originals], dict[str, Any]]  # the originals -> a replacement per target path
    relies_on: tuple[Target, ...] = ()  # moto functions the replacements call (checked, not replaced)


# --- helpers shared by the patches (tests use them directly) -------------------------------------------------


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
            payload = lambda_backends[account][self.region].invoke(
                function_name=name, qualifier=Qualifier, body=body, headers={}, response_headers=response_headers
            )
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


def _serialized(originals: Originals, *paths: str) -> dict[str, Any]:
    """The originals at `paths` taking turns under one re-entrant lock."""
    lock = threading.RLock()

    def wrap(generic: Any) -> Any:
        def serialized(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return generic(self, *args, **kwargs)

        return serialized

    return {path: wrap(originals[path]) for path in paths}


# --- the patches ----------------------------------------------------------------------------------------------

_SFN = "moto.stepfunctions.models:StateMachineInstance.__deepcopy__"


def _executions_not_copied(originals: Originals) -> dict[str, Any]:
    def deepcopy_without_executions(self: Any, memo: dict[int, Any]) -> Any:
        memo[id(self.executions)] = []
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        for name, value in vars(self).items():
            setattr(clone, name, copy.deepcopy(value, memo))
        return clone

    return {_SFN: deepcopy_without_executions}


_DYNAMODB = "moto.dynamodb.responses:DynamoHandler.call_action"
_S3 = tuple(f"moto.s3.responses:S3Response.{n}" for n in ("ambiguous_response", "bucket_response", "key_response"))
_S3_SIGNATURES = (
    "(self, request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, typing.Any], str | bytes]",
    "(self, request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, typing.Any], str | bytes]",
    "(self, request: Any, full_url: str, headers: dict[str, typing.Any]) "
    "-> tuple[int, dict[str, typing.Any], str | bytes]",
)
_SQS_DELETE = "moto.sqs.models:Queue.delete_message"


def _sqs_delete_locked(originals: Originals) -> dict[str, Any]:
    generic = originals[_SQS_DELETE]

    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            generic(self, receipt_handle)

    return {_SQS_DELETE: delete_message}


_SQS_ATTRIBUTES = "moto.sqs.models:Queue.attributes"


class QueueAttributes(Mapping[str, Any]):
    """A queue's attributes as moto's `Queue.attributes` lists them (same names, order and values), each read when
    it is looked up: `attributes.get("ContentBasedDeduplication")` no longer counts every message of the queue."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        self._names = dict.fromkeys(names)

    def __getitem__(self, name: str) -> Any:
        from moto.core.utils import camelcase_to_underscores

        if name not in self._names:
            raise KeyError(name)
        value = getattr(self._queue, camelcase_to_underscores(name))
        if name == "RedrivePolicy" and self._queue.redrive_policy:
            value = json.dumps(self._queue.redrive_policy)
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _sqs_attributes_on_demand(originals: Originals) -> dict[str, Any]:
    return {_SQS_ATTRIBUTES: property(QueueAttributes)}


_PARSE_ASL = "moto.stepfunctions.parser.asl.parse.asl_parser:AmazonStateLanguageParser.parse"
_ASL_SIGNATURE = (
    "(definition: str) -> tuple[moto.stepfunctions.parser.asl.component.eval_component.EvalComponent, "
    "antlr4.ParserRuleContext.ParserRuleContext]"
)
_BOTO_CLIENT = "moto.stepfunctions.parser.asl.utils.boto_client:boto_client_for"
_LAMBDA_EVAL_CLIENT = "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils:boto_client_for"
_CLIENT_SIGNATURE = "(region: str, service: str, state_credentials: Any = None) -> botocore.client.BaseClient"


def _in_process_lambda_client(originals: Originals) -> dict[str, Any]:
    make = originals[_BOTO_CLIENT]

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda":  # one account locally: the task's role credentials change nothing here
            return InProcessLambda(region)
        return make(region, service, state_credentials)

    return {_BOTO_CLIENT: boto_client_for, _LAMBDA_EVAL_CLIENT: boto_client_for}


_STATE_COPIES = tuple(
    f"moto.stepfunctions.parser.asl.{module}:copy"
    for module in (
        "eval.states",
        "component.common.string.string_expression",
        "component.common.path.result_path",
        "component.state.exec.execute_state",
        "component.state.exec.state_task.service.state_task_service",
    )
)
_JSON_PATH = "moto.stepfunctions.parser.asl.utils.json_path:parse"
_RESULT_PATH = "moto.stepfunctions.parser.asl.component.common.path.result_path:parse"
_HANDLER_METHODS = "moto.core.responses:method_names_from_class"
_SERIALIZE = "moto.core.serialize:BaseJSONSerializer._serialize"


def _plain_attribute_values(originals: Originals) -> dict[str, Any]:
    generic = originals[_SERIALIZE]

    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and plain_attribute(value):
            self._default_serialize(serialized, value, shape, key)
            return
        generic(self, serialized, value, shape, key)

    return {_SERIALIZE: serialize}


_RETENTION = "moto.sqs.models:SQSBackend.is_message_valid_based_on_retention_period"
_UNIX_TIME = "moto.sqs.models:unix_time"


def _sqs_retention_from_the_queue(originals: Originals) -> dict[str, Any]:
    import time

    generic_unix_time = originals[_UNIX_TIME]

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else float(generic_unix_time(dt))

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    return {_RETENTION: is_message_valid_based_on_retention_period, _UNIX_TIME: unix_time}


_NODE_CLASSES = "moto.dynamodb.parsing.ast_nodes:DepthFirstTraverser.nodes_to_be_processed"


def _validator_node_classes_kept(originals: Originals) -> dict[str, Any]:
    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        cached: tuple[type, ...] | None = self.__dict__.get("_node_classes")
        if cached is None:
            cached = self.__dict__["_node_classes"] = tuple(self._processing_map())
        return cached

    return {_NODE_CLASSES: nodes_to_be_processed}


_ALL_ITEMS = "moto.dynamodb.models.table:Table.all_items"
_QUERY = "moto.dynamodb.models.table:Table.query"
_QUERY_SIGNATURE = (
    "(self, hash_key: moto.dynamodb.models.dynamo_type.DynamoType | None, range_comparison: str | None, "
    "range_objs: list[moto.dynamodb.models.dynamo_type.DynamoType], limit: int, exclusive_start_key: "
    "dict[str, typing.Any], scan_index_forward: bool, projection_expressions: list[list[str]] | None, "
    "index_name: str | None = None, consistent_read: bool = False, filter_expression: Any = None, "
    "hash_key_conditions: list[tuple[str, moto.dynamodb.models.dynamo_type.DynamoType]] | None = None, "
    "range_key_conditions: list[tuple[str, str, list[moto.dynamodb.models.dynamo_type.DynamoType]]] | None = None, "
    "**filter_kwargs: Any) -> tuple[list[moto.dynamodb.models.dynamo_type.Item], int, dict[str, typing.Any] | None]"
)
_partition = threading.local()
_UNSORTED = object()  # the hint of an index query: every item, in no particular order


def _query_partition_only(originals: Originals) -> dict[str, Any]:
    import inspect

    generic_all_items, generic_query = originals[_ALL_ITEMS], originals[_QUERY]
    signature = inspect.signature(generic_query)

    def all_items(self: Any) -> Any:
        hint = getattr(_partition, "hint", None)
        if hint is None or hint[0] is not self:
            return generic_all_items(self)
        if hint[1] is _UNSORTED:  # an index query sorts what it keeps by the index's and the table's keys
            if not self.range_key_attr:
                return list(self.items.values())
            return [item for partition in self.items.values() for item in partition.values()]
        hash_key = hint[1]
        if hash_key not in self.items:
            return []
        found = self.items[hash_key]
        if not self.range_key_attr:
            return [found]
        return sorted(found.values(), key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        if bound["hash_key"] is None:
            return generic_query(self, *args, **kwargs)
        _partition.hint = (self, _UNSORTED if bound.get("index_name") else bound["hash_key"])
        try:
            return generic_query(self, *args, **kwargs)
        finally:
            _partition.hint = None

    return {_ALL_ITEMS: all_items, _QUERY: query}


_MAKE = "moto.dynamodb.parsing.expressions:UpdateExpressionParser.make"
_VALIDATOR_INIT = "moto.dynamodb.parsing.validators:UpdateExpressionValidator.__init__"
_VALIDATE = "moto.dynamodb.parsing.validators:UpdateExpressionValidator.validate"


def _update_expressions_parsed_once(originals: Originals) -> dict[str, Any]:
    from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

    generic_make, generic_init, generic_validate = originals[_MAKE], originals[_VALIDATOR_INIT], originals[_VALIDATE]

    @lru_cache(maxsize=512)
    def parsed(cls: Any, expression: str) -> Any:
        return generic_make(expression)

    def init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        generic_init(self, expression, *args, **kwargs)
        self._parsed = expression

    def validate(self: Any) -> Any:
        # The clause count depends on the tree only, overlapping paths on the tree and the attribute names: a copy
        # of a tree that passed them (with these names) skips those checks; the value-dependent ones always run.
        parsed_tree = self.__dict__.get("_parsed")
        counted = getattr(parsed_tree, "_clause_counts_valid", False)
        names = tuple(sorted((self.expression_attribute_names or {}).items()))
        paths_checked: frozenset[Any] = getattr(parsed_tree, "_paths_valid_for", frozenset())
        skipped: tuple[type, ...] = ()
        if counted:
            skipped += (ActionCountValidator,)
        if names in paths_checked:
            skipped += (OverlappingPathsValidator,)
        if skipped:
            self.processors = [p for p in self.processors if not isinstance(p, skipped)]
        validated = generic_validate(self)
        if parsed_tree is not None:
            parsed_tree._clause_counts_valid = True
            if len(paths_checked) < 16:
                parsed_tree._paths_valid_for = paths_checked | {names}
        return validated

    return {_MAKE: classmethod(parsed), _VALIDATOR_INIT: init, _VALIDATE: validate}  # type: ignore[arg-type]


PATCHES: tuple[Patch, ...] = (
    Patch(
        "second-execution",
        "correctness",
        (Target(_SFN, ABSENT),),
        "moto deep-copies a state machine on StartExecution, earlier executions included, whose live workers hold "
        "locks: every second execution fails ('cannot pickle _thread.RLock'). The copy gets no executions.",
        "getmoto/moto#10077, fixed by #10093 after 5.2.1",
        _executions_not_copied,
    ),
    Patch(
        "dynamodb-atomic",
        "correctness",
        (Target(_DYNAMODB, "(self) -> tuple[int, dict[str, typing.Any], str | bytes]"),),
        "moto's DynamoDB reads and mutates items without a lock: two conditional writes can both pass one condition, "
        "and a read racing an update fails ('dictionary changed size during iteration'). DynamoDB is atomic per "
        "item; requests take turns (a few milliseconds each).",
        "getmoto/moto#372 (moto's backends are not thread-safe)",
        lambda originals: _serialized(originals, _DYNAMODB),
    ),
    Patch(
        "s3-overwrite-while-read",
        "correctness",
        tuple(Target(path, signature) for path, signature in zip(_S3, _S3_SIGNATURES, strict=True)),
        "moto closes an object's buffer when its key is overwritten, even while another request still reads it: "
        "two puts of one key (issuance storing a policy document while the document endpoint renders it) failed "
        "with 'I/O operation on closed file'. S3 requests take turns, as DynamoDB's do.",
        "getmoto/moto#372 (thread safety); moto/s3/models.py FakeKey.dispose closes the buffer on overwrite",
        lambda originals: _serialized(originals, *_S3),
    ),
    Patch(
        "sqs-delete-locked",
        "correctness",
        (Target(_SQS_DELETE, "(self, receipt_handle: str) -> None"),),
        "moto deletes a message by rebuilding the message list without the lock sending takes: two deletes at "
        "once bring back the message the other one deleted (delivered again). Deletion takes the queue's lock.",
        "getmoto/moto moto/sqs/models.py Queue.delete_message; no issue filed",
        _sqs_delete_locked,
    ),
    Patch(
        "asl-parsed-once",
        "speed",
        (Target(_PARSE_ASL, _ASL_SIGNATURE),),
        "every execution re-parsed the ASL with the ANTLR runtime (~150 ms for the issuance workflow); programs "
        "are kept per definition text (their evaluation state lives in each execution's environment).",
        "upstream (LocalStack's interpreter) parses per execution by design",
        lambda originals: {_PARSE_ASL: staticmethod(cache(originals[_PARSE_ASL]))},
    ),
    Patch(
        "lambda-in-process",
        "speed",
        (Target(_BOTO_CLIENT, _CLIENT_SIGNATURE), Target(_LAMBDA_EVAL_CLIENT, _CLIENT_SIGNATURE)),
        "every Lambda task built a boto3 client (10-30 ms) and made an HTTP round trip to moto's server; the "
        "interpreter's Lambda client calls moto's Lambda backend in process (same backend, same hook).",
        "moto design: the interpreter reaches services through boto3 clients",
        _in_process_lambda_client,
        (
            Target(
                "moto.awslambda.models:LambdaBackend.invoke",
                "(self, function_name: 'str', qualifier: 'str | None', body: 'Any', headers: 'Any', "
                "response_headers: 'Any') -> 'str | bytes | None'",
            ),
        ),
    ),
    Patch(
        "state-copied-as-json",
        "speed",
        tuple(Target(path, MODULE) for path in _STATE_COPIES),
        "the interpreter deep-copied the state with copy.deepcopy at every step; state is JSON, which a plain tree "
        "copy duplicates with the same result several times faster (anything else still goes to copy.deepcopy).",
        "moto design (from LocalStack's interpreter)",
        lambda originals: {path: SimpleNamespace(deepcopy=copy_json) for path in _STATE_COPIES},
    ),
    Patch(
        "json-paths-parsed-once",
        "speed",
        (
            Target(_JSON_PATH, "(path: 'str', debug: 'bool | None' = None) -> 'JSONPath'"),
            Target(_RESULT_PATH, "(string: 'str') -> 'JSONPath'"),
        ),
        "the interpreter built a new JSONPath parser (PLY tables and all) for every path it evaluated, ~40 per "
        "session; parsed paths (which hold no data) are kept per path text.",
        "moto design (from LocalStack's interpreter)",
        lambda originals: {_JSON_PATH: cache(originals[_JSON_PATH]), _RESULT_PATH: cache(originals[_RESULT_PATH])},
    ),
    Patch(
        "handler-methods-listed-once",
        "speed",
        (Target(_HANDLER_METHODS, "(clazz: 'object') -> 'list[str]'"),),
        "moto's dispatch listed every method of the handler class with inspect.getmembers on every request; the "
        "list is kept per class.",
        "moto/core/responses.py call_action",
        lambda originals: {_HANDLER_METHODS: cache(originals[_HANDLER_METHODS])},
    ),
    Patch(
        "plain-attribute-values",
        "speed",
        (Target(_SERIALIZE, "(self, serialized: 'Serialized', value: 'Any', shape: 'Shape', key: 'str') -> 'None'"),),
        "moto 5.2's serializer walks every DynamoDB attribute value member by member through the service model "
        "(~4 ms of a 6 ms GetItem); a value already in plain JSON wire form (no binary) is written as it is.",
        "moto 5.2 serializer (moto/core/serialize.py)",
        _plain_attribute_values,
        (
            Target(
                "moto.core.serialize:BaseJSONSerializer._default_serialize",
                "(self, serialized: 'Serialized', value: 'Any', shape: 'Shape', key: 'str') -> 'None'",
            ),
        ),
    ),
    Patch(
        "sqs-retention-from-the-queue",
        "speed",
        (
            Target(_RETENTION, "(self, queue_name: str, message: moto.sqs.models.Message) -> bool"),
            Target(_UNIX_TIME, "(dt: 'datetime.datetime | None' = None) -> 'float'"),
        ),
        "each received message's retention check computed every queue attribute three times, each count walking "
        "every message (quadratic in queue depth); the period is read from the queue, the time from time.time().",
        "moto/sqs/models.py SQSBackend.is_message_valid_based_on_retention_period",
        _sqs_retention_from_the_queue,
    ),
    Patch(
        "sqs-attributes-on-demand",
        "speed",
        (Target(_SQS_ATTRIBUTES, "(self) -> dict[str, typing.Any]"),),
        "every SendMessage read the queue's ContentBasedDeduplication through Queue.attributes, which computes "
        "every attribute, message counts included (each walks every message of the queue): sending grew slower "
        "with the queue's depth (a fan-out of 1,000 insurers spent two thirds of its time there). The attributes "
        "are the same mapping, each value read when it is looked up.",
        "moto/sqs/models.py Queue.attributes, SQSBackend.send_message",
        _sqs_attributes_on_demand,
    ),
    Patch(
        "validator-node-classes-kept",
        "speed",
        (Target(_NODE_CLASSES, "(self)"),),
        "DynamoDB update validators rebuilt their node-class table for every node of every update expression; "
        "the table is kept per validator.",
        "moto/dynamodb/parsing/ast_nodes.py DepthFirstTraverser",
        _validator_node_classes_kept,
    ),
    Patch(
        "query-partition-only",
        "speed",
        (Target(_ALL_ITEMS, "(self) -> list[moto.dynamodb.models.dynamo_type.Item]"), Target(_QUERY, _QUERY_SIGNATURE)),
        "a Query on a table's own key listed and sorted every item of the table, then kept the partition's: "
        "queries grew slower with the table. It looks at its partition only, then runs moto's own query code. A "
        "Query on an index sorted every item of the table before keeping the index partition's and sorting those "
        "by the index's and the table's keys (a total order): it lists them unsorted (a billing run's due index "
        "over 10,000 installments took seconds a shard).",
        "moto/dynamodb/models/table.py Table.query",
        _query_partition_only,
    ),
    Patch(
        "update-expressions-parsed-once",
        "speed",
        (
            Target(_MAKE, "(expression_str) -> moto.dynamodb.parsing.ast_nodes.UpdateExpression"),
            Target(
                _VALIDATOR_INIT,
                "(self, expression: moto.dynamodb.parsing.ast_nodes.Node, expression_attribute_names: dict[str, str], "
                "expression_attribute_values: dict[str, dict[str, typing.Any]], item: "
                "moto.dynamodb.models.dynamo_type.Item, table: moto.dynamodb.models.table.Table)",
            ),
            Target(_VALIDATE, "(self) -> moto.dynamodb.parsing.ast_nodes.Node"),
        ),
        "each UpdateItem parsed its expression twice, and the clause count check re-walked the tree per node "
        "(quadratic); a parsed text is kept, and copies of a tree that passed the count check skip it, as do copies "
        "that passed the overlapping-paths check with the same attribute names.",
        "moto/dynamodb/parsing/expressions.py, validators.py",
        _update_expressions_parsed_once,
    ),
)
BY_NAME = {patch.name: patch for patch in PATCHES}

_lock = threading.Lock()
_installed: dict[str, list[tuple[Any, str, Any, bool]]] = {}  # name -> (owner, attribute, raw original, own)
_held_out: set[str] = set()  # taken out by `without` for now: install() leaves them out


def installed() -> list[str]:
    return list(_installed)


@cache
def moto_version() -> str:
    """The installed moto's version (read once: reading package metadata takes milliseconds, every test installs)."""
    return metadata.version("moto")


def _raw(owner: Any, name: str) -> tuple[Any, bool]:
    """The attribute as stored (staticmethod/classmethod kept) and whether `owner` itself holds it."""
    if name in vars(owner):
        return vars(owner)[name], True
    return getattr(owner, name, ABSENT), False


def _apply(patch: Patch) -> None:
    resolved = {target.path: target.resolve() for target in patch.targets}
    originals = {path: getattr(owner, name, None) for path, (owner, name) in resolved.items()}
    replacements = patch.build(originals)
    saved = []
    for path, (owner, name) in resolved.items():
        raw, own = _raw(owner, name)
        saved.append((owner, name, raw, own))
        setattr(owner, name, replacements[path])
    _installed[patch.name] = saved


def _remove(name: str) -> None:
    for owner, attribute, raw, own in reversed(_installed.pop(name)):
        if own:
            setattr(owner, attribute, raw)
        else:
            delattr(owner, attribute)


def install(skip: tuple[str, ...] | None = None) -> None:
    """Apply every patch not yet applied (idempotent), on the pinned moto only. `skip` (default: the speed
    patches named in LOCAL_MOTO_FIXES_SKIP) are left out."""
    found = moto_version()
    if found != PINNED_MOTO:
        raise MotoVersionMismatch(
            f"local/moto_fixes.py patches moto {PINNED_MOTO}'s internals but moto {found} is installed: install "
            f"moto=={PINNED_MOTO} (requirements-dev.txt), or check every patch against the new version "
            "(tests/integration/test_moto_fixes.py) and update PINNED_MOTO"
        )
    if skip is None:
        skip = tuple(n for n in os.environ.get("LOCAL_MOTO_FIXES_SKIP", "").split(",") if n)
    unknown = [n for n in skip if n not in BY_NAME]
    if unknown:
        raise ValueError(f"no moto patch named {unknown}; known: {sorted(BY_NAME)}")
    with _lock:
        for patch in PATCHES:
            if patch.name not in _installed and patch.name not in skip and patch.name not in _held_out:
                _apply(patch)


@contextmanager
def without(name: str) -> Iterator[None]:
    """moto as it is without the patch `name` (installed again afterwards)."""
    with _lock:
        _held_out.add(name)
        if name in _installed:
            _remove(name)
    try:
        yield
    finally:
        with _lock:
            _held_out.discard(name)
            if name not in _installed:
                _apply(BY_NAME[name])
