"""The amendment's API models. Each is built on first use (`defer_build`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import Money
from insure.underwriting.models import Decision

AmendmentStatus = Literal[
    "underwriting", "declined", "offered", "accepted", "payment_failed", "paid", "issued", "expired", "failed"
]
SignedAmount = Annotated[str, Field(pattern=r"^-?\d{1,12}(\.\d{1,2})?$", examples=["-12.34"])]


class ItemsChange(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=50,
        description='The policy\'s whole item list after the change: a kept item is `{"item_id": ...}` alone when '
        "unchanged, or with the fields that change; a new item has no item_id; a removed item is left out",
    )


class AmendmentRequest(BaseModel):
    """`POST /policies/{n}/amendments`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    changes: ItemsChange
    effective_date: dt.date = Field(description="Today or later, within the policy term (no back-dating)")


class PremiumDifference(BaseModel):
    model_config = ConfigDict(defer_build=True)

    amount: SignedAmount = Field(description="Positive: to pay; negative: refunded to the original card")
    currency: Literal["USD"] = "USD"


class AmendmentOffer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    offer_id: str
    premium: Money = Field(description="The annual premium of the amended policy")
    previous_premium: Money
    premium_difference: PremiumDifference = Field(
        description="Pro rata for the rest of the term from the effective date"
    )
    settlement: Literal["charge", "refund", "none"]
    terms_url: str
    terms_sha256: str
    expires_at: str


class SettlementView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    kind: Literal["charge", "refund", "none"]
    amount: Money = Field(description="The premium difference settled (charged, or refunded and lowered)")
    refunded: Money | None = Field(
        None, description="For a decrease: what was refunded to the card (never more than the term's premium paid)"
    )
    installments_lowered: Money | None = Field(
        None, description="For a decrease on an installment plan: what was taken off the installments not yet charged"
    )
    brand: str | None = None
    last4: str | None = None
    attempts: int = 0
    decline_code: str | None = None
    decline_message: str | None = None
    records: list[dict[str, Any]] = Field(default_factory=list)


class AmendmentView(BaseModel):
    """`GET /policies/{n}/amendments/{id}`: the amendment as the workflow has written it."""

    model_config = ConfigDict(defer_build=True)

    amendment_id: str
    policy_number: str
    status: AmendmentStatus
    effective_date: str
    base_version: int = Field(description="The version this amendment changes")
    items: list[dict[str, Any]] = Field(description="The item list after the change")
    decision: Decision | None = None
    offer: AmendmentOffer | None = None
    settlement: SettlementView | None = None
    version: int | None = Field(None, description="The policy version issued by this amendment")
    failure: dict[str, Any] | None = None
    created_at: str
    updated_at: str
