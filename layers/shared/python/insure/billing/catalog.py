"""The payment plans a rulebook version offers, read from the stored rulebook (cached per version: a stored
version never changes), and the plans as an offer or a quote shows them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from insure.billing.plans import plans_json
from insure.products.rulebooks import ANNUAL_ONLY, PaymentPlanRule


@lru_cache(maxsize=64)
def plan_rules(rulebook_version: str | None) -> tuple[PaymentPlanRule, ...]:
    """The plans of `product@version` (annual only when the version is unknown or names none)."""
    if not rulebook_version or "@" not in rulebook_version:
        return ANNUAL_ONLY
    from insure.products.rulebooks import default_store, parse_document

    product, version = rulebook_version.split("@", 1)
    text = default_store().document(product, version)
    if text is None:
        return ANNUAL_ONLY
    return tuple(parse_document(text).payment_plans)


def offered_plans(rulebook_version: str | None, premium: Decimal, start: dt.date) -> list[dict[str, Any]]:
    """Each plan of the rulebook with its schedule for `premium`, the term starting on `start`."""
    return plans_json(premium, plan_rules(rulebook_version), start)
