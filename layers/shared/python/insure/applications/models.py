"""The application's API models (requests and responses); stored items are in `records`. Each is built on first
use (`defer_build`), so a request builds only the models it validates or returns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from insure.applications.status import Status
from insure.billing.models import PaymentPlanView, PlanName
from insure.products.models import (
    ApplicantInput,
    ApplicantType,
    ApplicationInput,
    ProductId,
)
from insure.types import Money, OpaqueId, StateCode, Text
from insure.underwriting.models import Decision

Referrer = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ApplicationRequest(ApplicationInput):
    """The body of `POST /applications`: what is insured, by whom, with an optional quote and referrer."""

    quote_id: OpaqueId | None = Field(None, description="The preliminary quote this application follows")
    referrer: Referrer | None = Field(None, description="Who sent the person here (recorded on the policy)")

    def underwriting_input(self) -> ApplicationInput:
        return ApplicationInput.model_validate(self.model_dump(exclude={"quote_id", "referrer"}))


class ApplicationPatch(BaseModel):
    """The body of `PATCH /applications/{id}`: the top-level fields to replace; the rest stays as it was."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    product: ProductId | None = None
    state: StateCode | None = None
    applicant_type: ApplicantType | None = None
    applicant: ApplicantInput | None = None
    items: list[dict[str, Any]] | None = Field(None, description="The complete new list of items, as on creation")
    quote_id: OpaqueId | None = None
    referrer: Referrer | None = None


class ApplicationCreated(BaseModel):
    model_config = ConfigDict(defer_build=True)

    application_id: str
    session_token: str = Field(description="Shown once: send it as `Authorization: Bearer <session_token>`")
    status: Literal["draft"] = "draft"
    expires_at: str = Field(description="When the session ends (RFC 3339)")


class OfferView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    offer_id: str
    premium: Money
    terms_url: str
    terms_sha256: str = Field(description="SHA-256 (hex) of the terms document; acceptance must echo it")
    expires_at: str
    payment_plans: list[PaymentPlanView] = Field(
        default_factory=list,
        description="The ways to pay (annual, quarterly, monthly as the product offers), each with its fee and "
        "its schedule if the policy is issued today; choose one with `payment_plan` when paying",
    )


class AcceptanceView(BaseModel):
    """The electronic acceptance as recorded: which offer, the digest of the terms accepted, and when."""

    model_config = ConfigDict(defer_build=True)

    offer_id: str
    terms_sha256: str = Field(description="SHA-256 (hex) of the terms document the person accepted")
    accepted_at: str = Field(description="When the offer was accepted (RFC 3339 UTC)")


class PaymentView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    brand: str | None = None
    last4: str | None = None
    attempts: int = 0
    attempts_remaining: int
    decline_code: str | None = None
    decline_message: str | None = None


class DecisionRecord(BaseModel):
    """A decision made on one submission of the application (kept when the application is changed)."""

    model_config = ConfigDict(defer_build=True)

    submission: int
    decided_at: str
    decision: Decision


class ApplicationView(BaseModel):
    """`GET /applications/{id}`: the application as the workflow has written it."""

    model_config = ConfigDict(defer_build=True)

    application_id: str
    status: Status
    product: str
    state: str
    applicant_type: str
    applicant: dict[str, Any]
    items: list[dict[str, Any]]
    quote_id: str | None = None
    referrer: str | None = None
    decision: Decision | None = None
    offer: OfferView | None = None
    acceptance: AcceptanceView | None = Field(None, description="The acceptance of the offer, once accepted")
    payment: PaymentView | None = None
    policy_number: str | None = None
    submissions: int = 0
    decisions: list[DecisionRecord] | None = Field(
        None, description="Every decision made on the application, oldest first (listed by GET /applications/{id})"
    )
    created_at: str
    updated_at: str
    expires_at: str = Field(description="When the session ends (RFC 3339)")


class AcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    offer_id: OpaqueId
    terms_sha256: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")]


class CardInput(BaseModel):
    """A card as typed. Validated and tokenized at the payment adapter; never stored or logged."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9 \-]{12,23}$")]
    exp_month: int
    exp_year: Annotated[int, Field(ge=2000, le=2100)]
    cvc: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{3,4}$")]
    holder: Annotated[Text, StringConstraints(strip_whitespace=True, max_length=100)] = ""

    def __repr__(self) -> str:
        return "CardInput(…)"

    __str__ = __repr__


class PaymentRequest(BaseModel):
    """`POST /applications/{id}/payment`: a card, or a token the card processor issued for one."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    card: CardInput | None = None
    payment_token: OpaqueId | None = None
    payment_plan: PlanName = Field(
        "annual", description="One of the offer's payment_plans; its first installment is charged now"
    )

    @model_validator(mode="after")
    def _one_way_to_pay(self) -> PaymentRequest:
        if (self.card is None) == (self.payment_token is None):
            raise ValueError("send exactly one of card or payment_token")
        return self

    def __repr__(self) -> str:
        return "PaymentRequest(…)"

    __str__ = __repr__
