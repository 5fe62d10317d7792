"""The `catalog` function's composition root: the idempotency table a quote with an `Idempotency-Key` is recorded
in (the products and the quotes' own store are read from the stored rulebooks and the single table)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.idempotency import IdempotencyStore


class CatalogRoot(Root):
    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from insure.idempotency import IdempotencyStore

        return IdempotencyStore(self.settings.idempotency_table_name)
