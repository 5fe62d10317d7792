"""Start-up step: publish the rulebooks in `data/rulebooks/` to the local table, as a deployment would."""

from __future__ import annotations

from typing import Any


class RulebookSeeder:
    """Seeds every product's rulebook before the API serves its first request."""

    name = "rulebooks"

    def __init__(self) -> None:
        self.labels: list[str] = []

    def start(self, cloud: Any) -> None:
        from insure.products.rulebooks import seed_rulebooks
        from insure.underwriting import reset_cache

        self.labels = seed_rulebooks()
        reset_cache()

    def stop(self) -> None:
        self.labels = []

    def health(self) -> str:
        return "ok" if self.labels else "down: no rulebook seeded"

    def describe(self) -> str:
        return "rulebooks: " + ", ".join(self.labels)
