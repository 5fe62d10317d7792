"""The `policy_tags` function's composition root: the customer's owned policy (the policy functions' root) and
the item tags on it (the risk functions' root), each built on first use over the same settings."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.policies.service import PolicyService
    from insure.risk.policy_tags import ItemTags
    from insure.roots.policies import PoliciesRoot
    from insure.roots.risk import RiskRoot


class PolicyTagsRoot(Root):
    @cached_property
    def policy_root(self) -> PoliciesRoot:
        from insure.roots.policies import PoliciesRoot

        return PoliciesRoot(self.settings)

    @cached_property
    def risk_root(self) -> RiskRoot:
        from insure.roots.risk import RiskRoot

        return RiskRoot(self.settings)

    @property
    def policies(self) -> PolicyService:
        return self.policy_root.policies

    @property
    def item_tags(self) -> ItemTags:
        return self.risk_root.item_tags
