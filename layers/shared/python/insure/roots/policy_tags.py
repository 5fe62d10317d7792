"""The `policy_tags` function's composition root: the customer's policies (ownership of the policy in the path)
from the policy root and the item tags from the risk root, each built on first use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from insure.roots.policies import PoliciesRoot
from insure.roots.risk import RiskRoot

if TYPE_CHECKING:
    from insure.policies.service import PolicyService
    from insure.risk.policy_tags import ItemTags


@dataclass
class PolicyTagsRoot:
    policy_root: PoliciesRoot
    risk_root: RiskRoot

    @classmethod
    def from_environment(cls) -> PolicyTagsRoot:
        return cls(PoliciesRoot.from_environment(), RiskRoot.from_environment())

    @property
    def policies(self) -> PolicyService:
        return self.policy_root.policies

    @property
    def item_tags(self) -> ItemTags:
        return self.risk_root.item_tags
