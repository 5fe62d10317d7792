"""The platform declared once, in plain data: functions, routes, queues, tables, state machines.

`stacks/` builds the AWS resources from this module and `local/` builds the embedded cloud from it, so nothing
here may import CDK, boto3 or any project code. Every function receives the same environment variable names
(see `ENVIRONMENT`), so one process can host every handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Access = Literal["read", "write", "send", "consume", "start", "callback", "get", "put"]


@dataclass(frozen=True)
class Route:
    """One API Gateway route served by a function."""

    method: Method
    path: str


@dataclass(frozen=True)
class Grant:
    """A resource a function may touch and how: the least-privilege grant the stack derives."""

    resource: str
    access: tuple[Access, ...]


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source mapping: batches with partial batch failures reported."""

    queue: str
    batch_size: int = 10
    max_batching_window_s: int = 0


@dataclass(frozen=True)
class Function:
    """A Lambda function: its code lives in `functions/<name>/handler.py` and exports `handler`."""

    name: str
    description: str
    routes: tuple[Route, ...] = ()
    trigger: QueueTrigger | None = None
    grants: tuple[Grant, ...] = ()
    timeout_s: int = 10
    memory_mb: int = 512
    websocket_routes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A DynamoDB table with string keys `pk`/`sk` (or `id` only when `sort_key` is None)."""

    name: str
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    indexes: tuple[str, ...] = ()
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class Queue:
    """An SQS queue; every queue gets a dead-letter queue after `max_receive_count` receives."""

    name: str
    consumer: str
    max_receive_count: int = 5


@dataclass(frozen=True)
class StateMachine:
    """A Standard workflow whose ASL lives in `statemachines/<file>`; placeholders map to functions."""

    name: str
    file: str
    substitutions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Bucket:
    name: str


@dataclass(frozen=True)
class Secret:
    name: str
    description: str


TABLE = "table"
IDEMPOTENCY = "idempotency"
DOCUMENTS = "documents"
INSURER_REQUESTS = "insurer-requests"
ISSUANCE = "issuance"
SIGNING_KEYS = "signing-keys"
ADMIN_KEY = "admin-key"

TABLES = (
    Table(TABLE, indexes=("gsi1",), ttl_attribute="expires_at_epoch"),
    Table(IDEMPOTENCY, partition_key="id", sort_key=None, ttl_attribute="expiration"),
)
BUCKETS = (Bucket(DOCUMENTS),)
SECRETS = (
    Secret(ADMIN_KEY, "Bearer key of the back-office API"),
    Secret(SIGNING_KEYS, "Platform signing keys (payment tokens, document links)"),
)

# Environment variable names per resource; the same names for every function (one process hosts them all locally).
ENVIRONMENT = {
    TABLE: "TABLE_NAME",
    IDEMPOTENCY: "IDEMPOTENCY_TABLE_NAME",
    DOCUMENTS: "DOCUMENTS_BUCKET",
    INSURER_REQUESTS: "INSURER_REQUESTS_QUEUE_URL",
    ISSUANCE: "ISSUANCE_STATE_MACHINE_ARN",
    SIGNING_KEYS: "SIGNING_KEYS_SECRET_ARN",
    ADMIN_KEY: "ADMIN_KEY_SECRET_ARN",
}

_DATA_RW = Grant(TABLE, ("read", "write"))
_DATA_R = Grant(TABLE, ("read",))
_IDEMPOTENT = Grant(IDEMPOTENCY, ("read", "write"))
_ADMIN = Grant(ADMIN_KEY, ("get",))

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="health",
        description="Reports whether the platform's resources answer",
        routes=(Route("GET", "/health"),),
        grants=(_DATA_R,),
    ),
    Function(
        name="docs",
        description="OpenAPI 3.1 document and browsable docs generated from the pydantic models",
        routes=(Route("GET", "/openapi.json"), Route("GET", "/docs")),
    ),
)

QUEUES: tuple[Queue, ...] = ()

STATE_MACHINES: tuple[StateMachine, ...] = ()


def function(name: str) -> Function:
    """The declared function called `name`."""
    for declared in FUNCTIONS:
        if declared.name == name:
            return declared
    raise KeyError(name)


def all_routes() -> list[tuple[str, str, str]]:
    """(method, path, function name) for every declared HTTP route."""
    return [(r.method, r.path, f.name) for f in FUNCTIONS for r in f.routes]
