"""The item schemas `GET /products` serves are generated at build time: the shipped file is never stale."""

from __future__ import annotations

import json

from insure.products.models import PRODUCTS
from insure.products.schemas import SCHEMAS_PATH, generate_item_schemas, item_schemas


def test_shipped_item_schemas_are_the_generated_ones():
    # Then the file shipped in the layer is what the models generate now (run `make openapi` after changing one)
    assert json.loads(SCHEMAS_PATH.read_text()) == generate_item_schemas()


def test_every_product_has_an_item_schema():
    schemas = item_schemas()
    assert set(schemas) == set(PRODUCTS)
    assert schemas["computer"]["properties"]["kind"]["enum"] == ["desktop", "portable", "handheld"]
    assert "discriminator" in schemas["bundle"] or "oneOf" in schemas["bundle"]
