"""The products on sale and the coverages they insure, as plain names (no pydantic: the product list reads them)."""

from __future__ import annotations

from typing import Literal

ProductId = Literal["computer", "property", "casualty", "disability", "accidental_death", "major_medical", "bundle"]
Coverage = Literal["computer", "property", "casualty", "disability", "accidental_death", "major_medical"]
"""A single risk kind: every product but the bundle."""

PRODUCTS: tuple[ProductId, ...] = (
    "computer",
    "property",
    "casualty",
    "disability",
    "accidental_death",
    "major_medical",
    "bundle",
)
COVERAGES: tuple[Coverage, ...] = (
    "computer",
    "property",
    "casualty",
    "disability",
    "accidental_death",
    "major_medical",
)
