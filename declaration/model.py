"""The shapes of the declaration: plain frozen dataclasses, no CDK, no boto3."""

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
class Schedule:
    """The function runs on a schedule: an EventBridge Scheduler schedule in AWS (`expression` as Scheduler writes
    it: `rate(1 hour)`, `cron(0 6 * * ? *)`), a timer every `local_interval_s` in the local cloud. Each run gets
    `{"schedule": <name>}` and works out what is due from the platform's clock, so a late or repeated run is safe."""

    name: str
    expression: str
    description: str
    local_interval_s: int = 60


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
    schedule: Schedule | None = None


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


@dataclass(frozen=True)
class Service:
    """An AWS service the platform calls without owning a resource of it (e-mail through SES, text messages
    through SNS): a grant on it allows `actions` on `resource` (an ARN suffix of the service, or "*" where the
    action has no resource-level permission)."""

    name: str
    description: str
    service: str
    actions: tuple[str, ...]
    resource: str = "*"
