"""The published contract: one OpenAPI 3.1 document assembled from every router's pydantic models."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from pkgutil import iter_modules

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

# The generated document ships with the layer (`make openapi` writes it; a test fails when it is stale).
DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
TITLE = "Insurance platform API"
VERSION = "1.0.0"


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


def openapi_json() -> str:
    """The document, with every error response described as an RFC 9457 problem (not Powertools' default)."""
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
    schemas["Problem"] = PROBLEM_SCHEMA
    problem = {
        "description": "Problem details (RFC 9457)",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses["422"] = {**problem, "description": "Validation failed or a rule was broken"}
            responses.setdefault("default", problem)
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
