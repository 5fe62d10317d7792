"""Billing's API models: a payment plan with its schedule, as quotes, offers and policies show it; a renewal and
what accepting and paying it take."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import Money, OpaqueId

PlanName = Literal["annual", "quarterly", "monthly"]


class ScheduledInstallment(BaseModel):
    model_config = ConfigDict(defer_build=True)

    installment: int = Field(description="1 for the first installment (charged at bind)")
    due_date: str = Field(description="The day it is due (a date)")
    amount: Money


class PaymentPlanView(BaseModel):
    """One way to pay: the plan, its fee, the total and the schedule of installments (summing to the total)."""

    model_config = ConfigDict(defer_build=True)

    plan: PlanName
    installments: int = Field(description="How many installments: 1, 4 or 12")
    fee: Money = Field(description="What the plan adds to the premium (0.00 for annual)")
    total: Money = Field(description="Premium plus fee: what the schedule adds up to, to the cent")
    schedule: list[ScheduledInstallment] = Field(description="Each installment's due date and amount, oldest first")


class RenewalAccept(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    offer_id: str = Field(min_length=1, max_length=100)
    terms_sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class RenewalPayment(BaseModel):
    """Pay the renewal: the first installment of the chosen plan is charged to the card kept at the processor."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    payment_plan: PlanName = Field("annual", description="One of the renewal offer's payment_plans")
    payment_token: OpaqueId | None = Field(
        None,
        description="A processor token of another card (created for this policy: `client_reference` the policy "
        "number), which is charged and then kept for the next term's installments; the kept card when left out",
    )


class RenewalOfferView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    offer_id: str
    premium: Money
    previous_premium: Money
    effective_date: str = Field(description="The first day of the next term (the day the current one ends)")
    expiry_date: str
    terms_url: str
    terms_sha256: str
    expires_at: str = Field(description="The offer holds until the current term ends")
    payment_plans: list[PaymentPlanView]


class RenewalView(BaseModel):
    """`GET /policies/{n}/renewal`: the renewal of the current term, once the run has decided on it."""

    model_config = ConfigDict(defer_build=True)

    policy_number: str
    status: Literal["offered", "declined", "accepted", "renewed", "expired", "withdrawn"] = Field(
        description="withdrawn: the policy was cancelled or lapsed before the renewal was paid"
    )
    term: int = Field(description="The term it renews into")
    decided_at: str
    rulebook_version: str
    reasons: list[dict[str, Any]] = Field(default_factory=list, description="Why it cannot renew (declined)")
    offer: RenewalOfferView | None = None
    accepted_at: str | None = None
    payment_plan: PlanName | None = None
    renewed_version: int | None = None
    withdrawn_because: str | None = Field(None, description="Why the renewal was withdrawn, in words")


class PendingRenewal(BaseModel):
    """A renewal awaiting the customer, as their list of policies shows it (`GET /me/policies`): offered or
    accepted (premium, payment plans, the day it must be paid by), or declined (why)."""

    model_config = ConfigDict(defer_build=True)

    status: Literal["offered", "accepted", "declined"]
    term: int = Field(description="The term it renews into")
    premium: Money | None = Field(None, description="The next term's premium (offered or accepted)")
    previous_premium: Money | None = None
    effective_date: str | None = Field(None, description="The first day of the next term")
    deadline: str | None = Field(
        None, description="Accept and pay by then (the current term's end), or the policy expires"
    )
    payment_plans: list[PaymentPlanView] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why it cannot renew (declined), in words")
    url: str = Field(description="GET it for the whole renewal (offer_id, terms_url, terms_sha256)")


class OverduePayment(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    payment_token: OpaqueId = Field(
        description="A processor token of the card to pay with, created for this policy (`client_reference` the "
        "policy number); the card is kept for the policy's next installments once it paid"
    )

    def __repr__(self) -> str:
        return "OverduePayment(…)"

    __str__ = __repr__
