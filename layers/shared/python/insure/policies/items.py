"""Covered items' ids: each item of a policy keeps its `item_id` across versions. Ids are derived (from the
policy number and where the item was added), so a retried issuance or amendment gives the same ones."""

from __future__ import annotations

import hashlib

ITEM_ID = "item_id"


def item_id(policy_number: str, added_by: str, index: int) -> str:
    """The id of the `index`-th item added to `policy_number` by `added_by` (the issuance or an amendment id)."""
    digest = hashlib.sha256(f"{policy_number}:{added_by}:{index}".encode()).hexdigest()
    return "itm_" + digest[:12]
