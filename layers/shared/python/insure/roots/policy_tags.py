"""The `policy_tags` function's composition root: the customer's owned policy (the policy functions' root) and
the item tags on it, over the same risk root that root builds for the tags' repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

from insure.roots.policies import PoliciesRoot

if TYPE_CHECKING:
    from insure.risk.policy_tags import ItemTags


class PolicyTagsRoot(PoliciesRoot):
    @property
    def item_tags(self) -> ItemTags:
        return self.risk.item_tags
