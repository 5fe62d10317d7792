"""What underwriting answers: a decision with its reasons, a quote, and the per-item premium breakdown."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import Money, Timestamp

DEFERRED = ConfigDict(defer_build=True)
"""Validators built on first use: a function that never decides, quotes nor shows a decision does not build them."""

ReasonKind = Literal["bar", "rate_factor", "frequent_claimant", "delinquent_debtor", "multiplier", "intake"]


class Reason(BaseModel):
    """One rule that applied, by its id, with a sentence a person can read."""

    model_config = DEFERRED

    rule_id: str
    sentence: str
    kind: ReasonKind = "rate_factor"
    rate: str | None = Field(None, description="The rate factor's value (rate factors only)")
    items: list[int] = Field(default_factory=list, description="Indexes of the items the rule applied to")


class BreakdownLine(BaseModel):
    """The premium of one item: multiplier × base rate × value, rounded to the cent."""

    model_config = DEFERRED

    item: int = Field(description="Index of the item in `items`")
    coverage: str
    label: str = Field(description="A short description of the item, e.g. 'portable Dell XPS 13'")
    value: Money
    base_rate: str
    multiplier: str
    premium: Money
    rule_ids: list[str] = Field(default_factory=list, description="Rate factors that applied to this item")


class Decision(BaseModel):
    """The underwriting decision on an application, recorded with the rulebook version that made it."""

    model_config = DEFERRED

    approved: bool
    reasons: list[Reason] = Field(
        description="Approved: the rate factors that priced it. Declined: only what declined it (intake, bars, "
        "lists, a non-positive multiplier); the breakdown still shows every factor."
    )
    premium: Money | None = Field(None, description="Annual premium; none when declined")
    multiplier: str = Field(description="1 + the applicable rate factors (value-weighted over several items)")
    rulebook_version: str = Field(description="Version of the product's rulebook, e.g. 'computer@2026.11.1'")
    rulebook_versions: dict[str, str] = Field(default_factory=dict, description="Every rulebook consulted")
    breakdown: list[BreakdownLine] = Field(default_factory=list)
    decided_at: Timestamp


class QuoteResult(BaseModel):
    """A preliminary premium, computed from the same stored criteria as the final one."""

    model_config = DEFERRED

    premium: Money
    multiplier: str
    breakdown: list[BreakdownLine]
    reasons: list[Reason] = Field(default_factory=list, description="The rate factors that applied")
    rulebook_version: str
    rulebook_versions: dict[str, str] = Field(default_factory=dict)
