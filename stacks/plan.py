"""What the declaration implies for the AWS side, in plain Python (no CDK import: tests read it cheaply)."""

from __future__ import annotations

import declaration
from stacks.conventions import PROVIDED_BY_POWERTOOLS_LAYER, VISIBILITY_TIMEOUT_FACTOR


def deferred_resources() -> set[str]:
    """Grants applied after the functions exist: state machines (built after the functions they invoke) and
    WebSocket functions (granted by the WebSocket construct)."""
    machines = {m.name for m in declaration.STATE_MACHINES}
    sockets = {f.name for f in declaration.FUNCTIONS if f.websocket_routes}
    return machines | sockets


def publishers_of(socket_function: str) -> list[str]:
    """Functions that push to the sockets of `socket_function`: itself and those granted `send` on it."""
    names = [socket_function]
    for declared in declaration.FUNCTIONS:
        if declared.name != socket_function and any(
            g.resource == socket_function and "send" in g.access for g in declared.grants
        ):
            names.append(declared.name)
    return names


def visibility_timeout_s(queue: declaration.Queue) -> int:
    """At least six times the consumer's timeout, so a batch in flight is never delivered twice."""
    return VISIBILITY_TIMEOUT_FACTOR * declaration.function(queue.consumer).timeout_s


def layer_requirements(text: str) -> list[str]:
    """The pinned requirements our layer bundles: requirements.txt without what the managed layer provides."""
    wanted = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = line.split("[", 1)[0].split("=", 1)[0].split("<", 1)[0].split(">", 1)[0].strip().lower()
        if name not in PROVIDED_BY_POWERTOOLS_LAYER:
            wanted.append(line)
    return wanted
