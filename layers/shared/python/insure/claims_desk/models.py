"""The claims desk's claims: what the intake records, how adjusters move them, what the API shows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import MultilineText, Text, TextTree

DeskStatus = Literal["received", "assessing", "approved", "denied", "paid", "closed"]

# The moves an adjuster may make (received → assessing → approved | denied → paid → closed; a denial is closed).
NEXT: dict[str, frozenset[str]] = {
    "received": frozenset({"assessing"}),
    "assessing": frozenset({"approved", "denied"}),
    "approved": frozenset({"paid"}),
    "denied": frozenset({"closed"}),
    "paid": frozenset({"closed"}),
    "closed": frozenset(),
}
OPEN: frozenset[str] = frozenset({"received", "assessing", "approved", "denied", "paid"})


class DeskFiling(BaseModel):
    """A claim as the connector files it (`POST {base_url}/claims`)."""

    model_config = ConfigDict(extra="ignore")

    risk_event_id: Text = Field(min_length=1, max_length=100)
    policy_number: Text = Field(min_length=1, max_length=64)
    event_type: Text = Field(min_length=1, max_length=40)
    facts: TextTree = Field(default_factory=dict)
    occurred_at: Text = Field(min_length=1, max_length=40)
    location: TextTree | None = None
    insured: TextTree | None = None
    object: TextTree | None = None
    reporter: TextTree | None = None


class FactsDelivery(BaseModel):
    """Facts learned after filing (`POST {base_url}/claims/{claim_reference}/facts`)."""

    model_config = ConfigDict(extra="ignore")

    risk_event_id: Text = Field(min_length=1, max_length=100)
    facts: TextTree
    updated_at: Text = Field(min_length=1, max_length=40)


class DeskEntry(BaseModel):
    """One status change of a claim."""

    status: DeskStatus
    at: str
    note: str | None = None
    by: Literal["intake", "adjuster"]


class FactsReceived(BaseModel):
    """One facts delivery applied to a claim (each `webhook-id` once)."""

    webhook_id: str
    received_at: str
    updated_at: str
    facts: dict[str, Any]


class DeskClaim(BaseModel):
    """A claim at the platform's claims desk (one per incident and policy)."""

    claim_reference: str
    risk_event_id: str
    policy_number: str
    event_type: str
    facts: dict[str, Any]
    occurred_at: str
    location: dict[str, Any] | None = None
    insured: dict[str, Any] | None = None
    object: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None
    status: DeskStatus
    filed_at: str
    updated_at: str
    note: str | None = None
    history: list[DeskEntry] = Field(default_factory=list)
    facts_updates: list[FactsReceived] = Field(default_factory=list)


class StatusChange(BaseModel):
    """An adjuster's decision on a claim."""

    model_config = ConfigDict(extra="forbid")

    status: DeskStatus
    note: MultilineText = Field(
        min_length=1, max_length=2000, description="Why: shown to the reporter on the timeline (line breaks allowed)"
    )


class ClaimFiledView(BaseModel):
    claim_reference: str
    status: DeskStatus


class ClaimProgressView(BaseModel):
    status: DeskStatus
    updated_at: str
    note: str | None = None


class DeskClaims(BaseModel):
    claims: list[DeskClaim]
