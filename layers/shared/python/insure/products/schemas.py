"""The JSON schema of one item of each product, as `GET /products` shows it.

Generated from the item models at build time (`make openapi` writes `item_schemas.json` beside this module, which
ships in the layer), so listing the catalog never builds pydantic JSON schemas on a request (about 50 ms of a
cold start). A unit test fails when the file differs from what the models generate."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS_PATH = Path(__file__).resolve().with_name("item_schemas.json")


def generate_item_schemas() -> dict[str, dict[str, Any]]:
    """Each product's item schema, from the models: the bundle's is the union of every coverage's item."""
    from pydantic import TypeAdapter

    from insure.products.models import ITEM_MODELS, PRODUCTS, Item

    return {
        product: TypeAdapter(Item).json_schema() if product == "bundle" else ITEM_MODELS[product].model_json_schema()
        for product in PRODUCTS
    }


def item_schemas_json() -> str:
    """The file's content for the current models."""
    return json.dumps(generate_item_schemas(), indent=2, sort_keys=True) + "\n"


@cache
def item_schemas() -> dict[str, dict[str, Any]]:
    """The shipped schemas, by product."""
    schemas: dict[str, dict[str, Any]] = json.loads(SCHEMAS_PATH.read_text())
    return schemas
