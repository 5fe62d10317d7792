"""Policy API models and the stored policy version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import Money


class PolicyVersion(BaseModel):
    """One version of a policy, as issued or changed (each version is its own item)."""

    policy_number: str
    version: int
    status: Literal["active", "cancelled", "expired"] = "active"
    change: str = Field(description="What this version did, e.g. 'issued'")
    application_id: str
    product: str
    state: str
    insured: str
    applicant_type: str
    items: list[dict[str, Any]]
    premium: Money
    effective_date: str
    expiry_date: str
    issued_at: str
    referrer: str | None = None
    signed_by_officer: bool = False
    document_key: str
    rulebook_version: str | None = None


class PolicyHistoryEntry(BaseModel):
    version: int
    change: str
    status: str
    issued_at: str


class PolicyItem(BaseModel):
    """A covered item of the current version (with the product's own fields) and its risk identification tag."""

    model_config = ConfigDict(extra="allow")

    item_id: str
    tag_id: str | None = Field(None, description="The item's risk identification tag (its QR code is on the document)")
    tag_url: str | None = Field(None, description="What the tag's QR code opens: the web report page for the tag")


class PolicyView(BaseModel):
    """`GET /policies/{policy_number}`: the current version and the history of versions."""

    policy_number: str
    status: str
    current: PolicyVersion
    history: list[PolicyHistoryEntry]
    document_url: str
    items: list[PolicyItem] = Field(default_factory=list, description="The covered items, each with its tag")
