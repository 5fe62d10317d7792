"""Policy API models and the stored policy version.

Every change of a policy is a new version, its own item, never overwritten: the version says from when it is in
force (`version_effective_date`), who made it (`made_by`) and what changed (`changes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.billing.models import PaymentPlanView, PlanName
from insure.types import Money

PolicyStatus = Literal["active", "pending_cancellation", "cancelled", "expired", "lapsed"]
Actor = Literal["customer", "back_office", "workflow"]


class Change(BaseModel):
    """One thing a version changed: an item added, removed or changed, the premium, the status."""

    kind: Literal["issued", "item_added", "item_removed", "item_changed", "premium", "status", "renewed"]
    item_id: str | None = None
    fields: list[str] = Field(default_factory=list, description="For item_changed: the fields that changed")
    before: str | None = None
    after: str | None = None


class Cancellation(BaseModel):
    effective_date: str
    reason: str
    refund: Money
    requested_at: str


class PolicyVersion(BaseModel):
    """One version of a policy, as issued or changed (each version is its own item)."""

    policy_number: str
    version: int
    status: PolicyStatus = "active"
    change: str = Field(description="What this version did: 'issued', 'amended', 'cancelled'")
    made_by: Actor = Field("workflow", description="Who made this version: the customer, the back office, the workflow")
    changes: list[Change] = Field(default_factory=list, description="What this version changed")
    version_effective_date: str | None = Field(None, description="The day this version is in force from")
    amendment_id: str | None = None
    cancellation: Cancellation | None = None
    application_id: str
    product: str
    state: str
    insured: str
    applicant_type: str
    items: list[dict[str, Any]] = Field(description="The covered items, each with its `item_id`")
    premium: Money = Field(description="The annual premium of this version")
    effective_date: str = Field(description="The start of the policy term")
    expiry_date: str = Field(description="The end of the policy term")
    issued_at: str
    referrer: str | None = None
    signed_by_officer: bool = False
    document_key: str
    rulebook_version: str | None = None
    payment_plan: PlanName = Field("annual", description="How the premium is paid: annual, quarterly or monthly")
    payment_schedule: PaymentPlanView | None = Field(
        None, description="The plan's fee and installments (due dates and amounts) for this term"
    )
    term: int = Field(1, description="The policy term this version belongs to (1, then 2 after a renewal, ...)")

    @property
    def in_force_from(self) -> str:
        return self.version_effective_date or self.effective_date


class PolicyHistoryEntry(BaseModel):
    version: int
    change: str
    status: str
    issued_at: str
    made_by: Actor = "workflow"
    version_effective_date: str | None = None


class PolicyItem(BaseModel):
    """A covered item of the current version (with the product's own fields) and its risk identification tag."""

    model_config = ConfigDict(extra="allow")

    item_id: str
    tag_id: str | None = Field(None, description="The item's risk identification tag (its QR code is on the document)")
    tag_url: str | None = Field(None, description="What the tag's QR code opens: the web report page for the tag")


class PolicyView(BaseModel):
    """`GET /policies/{policy_number}`: the current version, its covered items and the history of versions."""

    policy_number: str
    status: PolicyStatus
    version: int = Field(description="The number of the current version")
    current: PolicyVersion
    history: list[PolicyHistoryEntry]
    document_url: str
    items: list[PolicyItem] = Field(default_factory=list, description="The covered items, each with its tag")


class VersionView(BaseModel):
    """One version as `GET /policies/{n}/versions[/{v}]` serves it, with the URL of its own document."""

    policy_number: str
    version: int
    status: PolicyStatus
    change: str
    made_by: Actor
    changes: list[Change]
    version_effective_date: str
    issued_at: str
    premium: Money
    items: list[dict[str, Any]]
    amendment_id: str | None = None
    cancellation: Cancellation | None = None
    document_url: str
    detail: PolicyVersion


class VersionsView(BaseModel):
    policy_number: str
    versions: list[VersionView]


CancellationReason = Literal[
    "no_longer_needed", "replaced_elsewhere", "item_sold_or_lost", "too_expensive", "dissatisfied", "other"
]


class CancellationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    effective_date: dt.date = Field(description="Today or later, within the policy term")
    reason: CancellationReason


class CancellationPreview(BaseModel):
    model_config = ConfigDict(defer_build=True)

    refund: Money
    effective_date: str
    paid: Money = Field(
        description="The premium paid for the term in force so far, net of refunds (plan fees are not premium and "
        "are never refunded; earlier terms of a renewed policy are closed)"
    )
    kept: Money = Field(description="What the insurer keeps: the premium earned by then, at least the minimum")
    minimum_premium: Money


class CancellationView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    policy_number: str
    status: PolicyStatus
    version: int
    effective_date: str
    reason: CancellationReason
    refund: Money
    refunds: list[dict[str, object]] = Field(description="The refunds made, each to the card of one charge")
