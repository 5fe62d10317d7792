"""The public contract (../shared/API.md) and what the platform serves agree: every path and method the contract
fixes is declared, served and published in the OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import declaration
from insure.routes.openapi import openapi_json

API_MD = Path(__file__).resolve().parents[2].parent / "shared" / "API.md"
ROUTE = re.compile(r"`(?:(GET|POST|PATCH|PUT|DELETE) )?((?:/|…/)[^`]*)`")
"""A route in a table's first cell: `METHOD /path`, or `…/rest` (the method and the start of the cell's first path)."""


def _normalize(path: str) -> str:
    """`/policies/{n}/cancellation/preview?effective_date=` → `/policies/{}/cancellation/preview`."""
    return re.sub(r"\{[^}]+\}", "{}", path.split("?", 1)[0])


def _completed(rest: str, first: str) -> str:
    """`…/payment` after `/policies/{n}/amendments/{id}/accept` → `/policies/{n}/amendments/{id}/payment`;
    `…/versions/{v}` after `/policies/{n}/versions` → `/policies/{n}/versions/{v}` (the cell's first path up to
    where the rest's first segment is, or up to its own last segment)."""
    segments, tail = first.split("/"), rest.removeprefix("…/").split("/")
    cut = segments.index(tail[0]) if tail[0] in segments else len(segments) - 1
    return "/".join(segments[:cut] + tail)


def cell_routes(cell: str) -> list[tuple[str, str]]:
    """Every route a table's first cell names (`GET /me`, `PATCH /me`; `POST …/accept`, `…/payment`)."""
    routes: list[tuple[str, str]] = []
    for method, path in ROUTE.findall(cell):
        if path.startswith("…"):
            routes.append((method or routes[0][0], _completed(path, routes[0][1])))
        else:
            routes.append((method, path))
    return routes


def contract_routes() -> set[tuple[str, str]]:
    routes = set()
    for line in API_MD.read_text().splitlines():
        if line.startswith("| `"):
            routes |= {(method, _normalize(path)) for method, path in cell_routes(line.split("|")[1])}
    return routes


def test_a_cell_naming_several_routes_gives_each():
    assert cell_routes("`POST /auth/refresh`, `POST /auth/logout`") == [
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
    ]
    assert cell_routes("`POST /policies/{n}/amendments/{id}/accept`, `…/payment`")[1] == (
        "POST",
        "/policies/{n}/amendments/{id}/payment",
    )
    assert cell_routes("`GET /policies/{n}/versions`, `…/versions/{v}`, `…/versions/{v}/document`")[1:] == [
        ("GET", "/policies/{n}/versions/{v}"),
        ("GET", "/policies/{n}/versions/{v}/document"),
    ]


def test_the_contract_names_the_routes_we_check():
    routes = contract_routes()
    assert ("POST", "/applications") in routes and ("POST", "/scans") in routes
    # the second and later routes of a cell too
    assert {("POST", "/auth/logout"), ("PATCH", "/me"), ("POST", "/policies/{}/amendments/{}/payment")} <= routes
    assert {("GET", "/policies/{}/versions/{}"), ("GET", "/policies/{}/versions/{}/document")} <= routes
    assert len(routes) >= 37


def test_every_contract_route_is_declared():
    declared = {(m, _normalize(p)) for m, p, _ in declaration.all_routes()}
    assert contract_routes() - declared == set()


def test_every_contract_route_is_in_the_openapi_document():
    document = json.loads(openapi_json())
    published = {(method.upper(), _normalize(path)) for path, item in document["paths"].items() for method in item}
    # the documents themselves are served outside the schema
    missing = contract_routes() - published - {("GET", "/openapi.json")}
    assert missing == set()


def contract_successes() -> dict[tuple[str, str], str]:
    """The success status the contract gives each route (a cell of several routes with as many statuses, such as
    `200 / 204`, gives them in order; otherwise the first status named is every route's)."""
    found = {}
    for line in API_MD.read_text().splitlines():
        if line.startswith("| `"):
            cells = line.split("|")
            routes, statuses = cell_routes(cells[1]), re.findall(r"\b(2\d\d)\b", cells[-2])
            for index, (method, path) in enumerate(routes):
                found[(method, _normalize(path))] = statuses[index if len(statuses) == len(routes) else 0]
    return found


def test_every_contract_route_publishes_the_success_status_the_contract_gives():
    document = json.loads(openapi_json())
    published = {
        (method.upper(), _normalize(path)): set(operation["responses"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    successes = contract_successes()
    assert successes[("POST", "/auth/logout")] == "204" and successes[("POST", "/accounts")] == "201"
    wrong = {route: status for route, status in successes.items() if status not in published.get(route, {status})}
    assert wrong == {}
