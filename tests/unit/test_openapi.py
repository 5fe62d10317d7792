"""The published contract: generated from the models, shipped with the layer, never stale."""

from __future__ import annotations

import json
from pathlib import Path

from insure.routes.openapi import DOCUMENT_PATH, openapi_json


def test_shipped_document_is_the_generated_one():
    # Given the document generated now from every router's models
    generated = json.loads(openapi_json())
    # Then the file the docs function serves is identical (run `make openapi` after changing a route)
    shipped = json.loads(Path(DOCUMENT_PATH).read_text())
    assert shipped == generated


def test_errors_are_described_as_problems():
    document = json.loads(openapi_json())
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for item in document["paths"].values():
        for operation in item.values():
            content = operation["responses"]["422"]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
