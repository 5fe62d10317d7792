"""The products on sale and the coverages they insure, as plain names (no pydantic: the product list reads them)."""

from __future__ import annotations

from typing import Literal, get_args

ProductId = Literal["computer", "property", "casualty", "disability", "accidental_death", "major_medical", "bundle"]
Coverage = Literal["computer", "property", "casualty", "disability", "accidental_death", "major_medical"]
"""A single risk kind: every product but the bundle."""

PRODUCTS: tuple[ProductId, ...] = get_args(ProductId)
COVERAGES: tuple[Coverage, ...] = get_args(Coverage)
