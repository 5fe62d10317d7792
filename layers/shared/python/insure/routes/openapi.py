"""The published contract: one OpenAPI 3.1 document assembled from every router's pydantic models."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from pkgutil import iter_modules
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from insure.http.access import BEARERS, CREDENTIAL, Access, declared_access

# The generated document ships with the layer (`make openapi` writes it; a test fails when it is stale).
DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
TITLE = "Insurance platform API"
VERSION = "1.0.0"
# The `json_schema_extra` of a header a route's service requires (a 400 problem without it, not Powertools' 422):
# the parameter stays optional for validation and is published as required, as clients must send it.
REQUIRED_HEADER: dict[str, Any] = {"x-required-header": True}


@lru_cache(maxsize=1)
def document_resolver() -> APIGatewayRestResolver:
    """A resolver holding every router under `insure.routes` (each module's `router`), to generate the document."""
    import insure.routes
    from insure.http.api import build_resolver

    modules = [import_module(f"insure.routes.{m.name}") for m in iter_modules(insure.routes.__path__)]
    return build_resolver([m.router for m in modules if hasattr(m, "router")])


PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


ERROR_STATUSES: dict[int, str] = {
    400: "Malformed request: the body is not UTF-8 text or not valid JSON (or nests too deeply), or a required "
    "header is missing",
    401: "Missing or invalid credentials (checked before the body is read)",
    404: "No such resource for this caller (another caller's reads the same as an unknown one)",
    409: "Conflict: the resource's state does not allow it, or a request with the same Idempotency-Key is in flight",
    413: "The body exceeds the size limit (checked before it is parsed)",
    415: "The body is not application/json",
    422: "Valid JSON that breaks the schema or a rule (field errors in `errors`)",
    429: "Throttled: retry after the `Retry-After` seconds",
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _declared_access() -> dict[tuple[str, str], Access]:
    """Each operation's declared access, by (method, OpenAPI path)."""
    app = document_resolver()
    found: dict[tuple[str, str], Access] = {}
    for route in app._static_routes + app._dynamic_routes:
        path = re.sub(r"<(\w+)>", r"{\1}", route.path)
        found[(route.method.lower(), path)] = declared_access(route.func) or Access.PUBLIC
    return found


COMBINED = frozenset({Access.PUBLIC_OR_CUSTOMER, Access.REPORTER_OR_CUSTOMER})
"""Accesses published as the schemes they combine, not as schemes of their own."""


def _security_schemes() -> dict[str, Any]:
    schemes: dict[str, Any] = {
        access.value: {
            "type": "http",
            "scheme": "bearer",
            "description": f"`Authorization: Bearer <{credential}>`",
        }
        for access, credential in CREDENTIAL.items()
        if access not in COMBINED
    }
    for header in SIGNATURE_HEADERS:
        schemes[header] = {
            "type": "apiKey",
            "in": "header",
            "name": header,
            "description": "Standard Webhooks: `webhook-signature` is `v1,<base64 HMAC-SHA256 of id.timestamp.body>` "
            "with the signer's secret",
        }
    return schemes


def _security(access: Access) -> list[dict[str, list[str]]]:
    """The credentials a route of `access` accepts: its own, and every kind whose authenticators it also tries
    (e.g. customers' access tokens on session routes)."""
    if access is Access.SIGNED:
        return [{header: [] for header in SIGNATURE_HEADERS}]
    if access is Access.PUBLIC_OR_CUSTOMER:
        return [{}, {Access.CUSTOMER.value: []}]  # anonymous, or a customer's access token
    if access not in BEARERS:
        return []
    accepted = set(BEARERS[access])
    kinds: list[Access] = [] if access in COMBINED else [access]
    kinds += [other for other, tried in BEARERS.items() if other not in {access, *COMBINED} and set(tried) <= accepted]
    no_scopes: list[str] = []
    return [{kind.value: no_scopes} for kind in kinds]


def _error_responses(method: str, path: str, operation: dict[str, Any], access: Access) -> dict[int, str]:
    statuses = {429}
    has_body = "requestBody" in operation
    has_input = has_body or any(p.get("in") != "path" or _validated(p) for p in operation.get("parameters", []))
    if has_body:
        statuses |= {400, 413, 422}
        if access is not Access.SIGNED:
            statuses.add(415)
    if has_input or method != "get":
        statuses.add(422)  # a schema or a rule broken (a submission's rules too)
    if access is not Access.PUBLIC:
        statuses.add(401)
    # 404 and 409 only where the operation can meet them; any other (a tag the body names, an e-mail taken) is
    # published by the route itself, in its `responses`
    if "{" in path:
        statuses.add(404)  # the id in the path (another caller's reads the same as an unknown one)
        if method != "get":
            statuses.add(409)  # the resource's state does not allow it
    if _takes_idempotency_key(operation):
        statuses.add(409)  # a request with the same key still in flight
    return {status: ERROR_STATUSES[status] for status in sorted(statuses)}


def _takes_idempotency_key(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and str(p.get("name")).lower() == "idempotency-key"
        for p in operation.get("parameters", [])
    )


def _validated(parameter: dict[str, Any]) -> bool:
    """Whether a value can fail the parameter's schema (a 422): anything but a plain string."""
    schema = parameter.get("schema", {})
    return schema.get("type") != "string" or bool(schema.keys() - {"title", "type", "description"})


def _optional_body(operation: dict[str, Any]) -> None:
    """A body that may be left out is published as not required, not as `null`: every body the server reads is a
    JSON object (a `null` one is a 422), and no body at all is the default."""
    body = operation.get("requestBody")
    content = (body or {}).get("content", {}).get("application/json", {})
    options = content.get("schema", {}).get("anyOf", [])
    if body and len(options) == 2 and {"type": "null"} in options:
        content["schema"] = next(o for o in options if o != {"type": "null"})
        body["required"] = False


def _no_content(responses: dict[str, Any]) -> None:
    """A 204 carries no body (Powertools publishes the handler's `Response[str]` as JSON content)."""
    responses.get("204", {}).pop("content", None)


SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def _publish_required_headers(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "header" and schema.pop("x-required-header", False):
            parameter["required"] = True
            text = next((o for o in schema.pop("anyOf", []) if o.get("type") == "string"), {"type": "string"})
            schema.update({**text, "minLength": 1, "pattern": r"\S"})  # blank is missing


def openapi_json() -> str:
    """The document, with each operation's error responses (RFC 9457 problems: the ones its input, its declared
    access and its path can produce, instead of Powertools' catch-all) and the security schemes it accepts."""
    document = json.loads(
        document_resolver().get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Single-session issuance and risk events. Errors are RFC 9457 problem details.",
        )
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.pop("ResponseValidationError", None)  # Powertools' own, unused here, and it points at ValidationError
    schemas["Problem"] = PROBLEM_SCHEMA
    document["components"]["securitySchemes"] = _security_schemes()
    declared = _declared_access()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            access = declared[(method, path)]
            security = _security(access)
            if security:
                operation["security"] = security
            _publish_required_headers(operation)
            _optional_body(operation)
            responses = operation.setdefault("responses", {})
            _no_content(responses)
            responses.pop("default", None)
            responses.pop("422", None)  # Powertools' own, on every operation
            for status, description in _error_responses(method, path, operation, access).items():
                responses.setdefault(str(status), _problem_response(description))
    return json.dumps(document)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Insurance platform API</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.GET{color:#0a7}.POST{color:#06c}.PATCH{color:#c70}
.DELETE{color:#c00}code{background:#f4f4f4;padding:0 .2rem}details pre{background:#f8f8f8;overflow:auto;padding:.5rem}
</style></head><body><h1>Insurance platform API</h1>
<p>The full contract as OpenAPI 3.1: <a href="openapi.json">openapi.json</a>. Errors are RFC 9457 problem details.</p>
<div id="ops">Loading…</div>
<script>
fetch('openapi.json').then(r => r.json()).then(doc => {
  const ops = document.getElementById('ops'); ops.textContent = '';
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const d = document.createElement('div'); d.className = 'op';
      const m = method.toUpperCase();
      d.innerHTML = `<span class="m ${m}">${m}</span><code></code> <span class="s"></span>
        <details><summary>schema</summary><pre></pre></details>`;
      d.querySelector('code').textContent = path;
      d.querySelector('.s').textContent = op.summary || '';
      d.querySelector('pre').textContent = JSON.stringify(op, null, 2);
      ops.appendChild(d);
    }
  }
});
</script></body></html>
"""


def docs_html() -> str:
    return DOCS_PAGE
