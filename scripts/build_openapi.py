"""Writes the OpenAPI 3.1 document generated from every router's pydantic models into the shared layer, and the
JSON schema of each product's items that `GET /products` serves (`insure/products/item_schemas.json`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared" / "python")]


def main() -> int:
    from insure.routes.openapi import DOCUMENT_PATH, openapi_json

    document = json.dumps(json.loads(openapi_json()), indent=2, sort_keys=True) + "\n"
    Path(DOCUMENT_PATH).write_text(document)
    print(f"wrote {DOCUMENT_PATH} ({len(json.loads(document)['paths'])} paths)")

    from insure.products.schemas import SCHEMAS_PATH, item_schemas_json

    SCHEMAS_PATH.write_text(item_schemas_json())
    print(f"wrote {SCHEMAS_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
