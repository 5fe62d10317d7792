"""One declaration, two clouds: every function serves exactly the routes the declaration gives it."""

from __future__ import annotations

import re

import pytest

import declaration
from local.functions_host import FUNCTIONS_DIR, load_handler_module


def _served_routes(module) -> set[tuple[str, str]]:
    app = module.app
    # Powertools writes path parameters as <name>, the declaration (and API Gateway) as {name}
    routes = app._static_routes + app._dynamic_routes
    return {(route.method, re.sub(r"<(\w+)>", r"{\1}", route.path)) for route in routes}


@pytest.mark.parametrize("function", [f for f in declaration.FUNCTIONS if f.routes], ids=lambda f: f.name)
def test_function_serves_exactly_its_declared_routes(function):
    # Given the function's handler module, loaded as Lambda would load it
    module = load_handler_module(function.name, "routes-test")
    # Then its resolver serves the declared routes, no more and no fewer
    assert _served_routes(module) == {(r.method, r.path) for r in function.routes}


def test_every_declared_function_has_a_handler_and_no_handler_is_undeclared():
    on_disk = {p.parent.name for p in FUNCTIONS_DIR.glob("*/handler.py")}
    assert on_disk == {f.name for f in declaration.FUNCTIONS}


def test_routes_are_unique_and_queues_have_declared_consumers():
    routes = [(m, p) for m, p, _ in declaration.all_routes()]
    assert len(routes) == len(set(routes))
    names = {f.name for f in declaration.FUNCTIONS}
    for queue in declaration.QUEUES:
        assert queue.consumer in names
        consumer = declaration.function(queue.consumer)
        assert consumer.trigger is not None and consumer.trigger.queue == queue.name
    sockets = {f.name for f in declaration.FUNCTIONS if f.websocket_routes}  # `send`: may push to its sockets
    for function in declaration.FUNCTIONS:
        for grant in function.grants:
            services = {s.name for s in declaration.SERVICES}  # outside services granted by action (SES, SNS)
            known = grant.resource in declaration.ENVIRONMENT or grant.resource in sockets or grant.resource in services
            assert known, f"{function.name} grants unknown {grant.resource}"
