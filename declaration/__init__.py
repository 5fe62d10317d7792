"""The platform declared once, in plain data: functions, routes, queues, tables, state machines.

`stacks/` builds the AWS resources from this package and `local/` builds the embedded cloud from it, so nothing
here imports CDK, boto3 or project code. Each area declares its own module; this one joins them.
"""

from declaration import accounts, billing, issuance, notifications, platform, risk
from declaration.metrics import METRICS, Metric
from declaration.model import (
    Access,
    Bucket,
    Function,
    Grant,
    Method,
    Queue,
    QueueTrigger,
    Route,
    Schedule,
    Secret,
    Service,
    StateMachine,
    Table,
)
from declaration.resources import (
    ADMIN_KEY,
    AMENDMENTS,
    BUCKETS,
    DOCUMENTS,
    EMAIL,
    ENVIRONMENT,
    IDEMPOTENCY,
    INSURER_REQUESTS,
    ISSUANCE,
    NOTIFICATIONS,
    NOTIFY,
    SECRETS,
    SERVICES,
    SIGNING_KEYS,
    SMS,
    TABLE,
    TABLES,
)

_AREAS = (platform, issuance, risk, notifications, accounts, billing)
FUNCTIONS: tuple[Function, ...] = tuple(f for area in _AREAS for f in area.FUNCTIONS)
QUEUES: tuple[Queue, ...] = tuple(q for area in _AREAS for q in area.QUEUES)
STATE_MACHINES: tuple[StateMachine, ...] = tuple(m for area in _AREAS for m in area.STATE_MACHINES)


def function(name: str) -> Function:
    """The declared function called `name`."""
    for declared in FUNCTIONS:
        if declared.name == name:
            return declared
    raise KeyError(name)


def all_routes() -> list[tuple[str, str, str]]:
    """(method, path, function name) for every declared HTTP route."""
    return [(r.method, r.path, f.name) for f in FUNCTIONS for r in f.routes]


__all__ = [
    "ADMIN_KEY",
    "AMENDMENTS",
    "BUCKETS",
    "DOCUMENTS",
    "EMAIL",
    "ENVIRONMENT",
    "FUNCTIONS",
    "IDEMPOTENCY",
    "INSURER_REQUESTS",
    "ISSUANCE",
    "METRICS",
    "NOTIFICATIONS",
    "NOTIFY",
    "QUEUES",
    "SECRETS",
    "SERVICES",
    "SIGNING_KEYS",
    "SMS",
    "STATE_MACHINES",
    "TABLE",
    "TABLES",
    "Access",
    "Bucket",
    "Function",
    "Grant",
    "Method",
    "Metric",
    "Queue",
    "QueueTrigger",
    "Route",
    "Schedule",
    "Secret",
    "Service",
    "StateMachine",
    "Table",
    "all_routes",
    "function",
]
