"""The public contract (../shared/API.md) and what the platform serves agree: every path and method the contract
fixes is declared, served and published in the OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import declaration
from insure.routes.openapi import openapi_json

API_MD = Path(__file__).resolve().parents[2].parent / "shared" / "API.md"
ROW = re.compile(r"^\|\s*`(GET|POST|PATCH|PUT|DELETE) (/[^`]*)`")


def _normalize(path: str) -> str:
    """`/policies/{n}/cancellation/preview?effective_date=` → `/policies/{}/cancellation/preview`."""
    return re.sub(r"\{[^}]+\}", "{}", path.split("?", 1)[0])


def contract_routes() -> set[tuple[str, str]]:
    routes = set()
    for line in API_MD.read_text().splitlines():
        found = ROW.match(line)
        if found:
            routes.add((found.group(1), _normalize(found.group(2))))
    return routes


def test_the_contract_names_the_routes_we_check():
    routes = contract_routes()
    assert ("POST", "/applications") in routes and ("POST", "/scans") in routes
    assert len(routes) >= 19


def test_every_contract_route_is_declared():
    declared = {(m, _normalize(p)) for m, p, _ in declaration.all_routes()}
    assert contract_routes() - declared == set()


def test_every_contract_route_is_in_the_openapi_document():
    document = json.loads(openapi_json())
    published = {(method.upper(), _normalize(path)) for path, item in document["paths"].items() for method in item}
    # the documents themselves are served outside the schema
    missing = contract_routes() - published - {("GET", "/openapi.json")}
    assert missing == set()
