"""Rulebooks: each product's underwriting criteria as versioned data, stored in DynamoDB and seeded from files.

Items (single table):
- `pk = RULEBOOK#<product>`, `sk = V#<version>`: one immutable item per version, the document as JSON text
  and its SHA-256;
- `pk = RULEBOOK#<product>`, `sk = CURRENT`: the version on sale, switched with a conditional write.

Seeding writes each file in `data/rulebooks/` as its version (once: a version is never overwritten with other
content) and points CURRENT at it.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from insure.data_files import data_dir
from insure.products.models import ApplicantType, ProductId
from insure.products.store import RulebookStore
from insure.types import StateCode

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")]


def _stripped(value: Any) -> Any:
    """Rulebooks are data written by people: spaces around a state code are forgiven (an API request's are not)."""
    return value.strip() if isinstance(value, str) else value


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bar(_Doc):
    """Any applicable bar declines the application."""

    id: RuleId
    description: str = Field(description="The sentence the applicant reads when it applies")
    condition: dict[str, Any]


class RateFactor(_Doc):
    """Applicable rate values are summed and added to 1: the multiplier of the base rate."""

    id: RuleId
    description: str
    condition: dict[str, Any]
    rate: Decimal = Field(ge=Decimal("-1"), le=Decimal("10"))


class IdentityRecord(_Doc):
    """A person or business on a list. It matches an applicant on name and date of birth together, on the
    company name, on the e-mail address or on the phone number (each compared normalized)."""

    id: RuleId
    name: str | None = None
    date_of_birth: datetime.date | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    note: str = ""


PlanName = Literal["annual", "quarterly", "monthly"]
INSTALLMENTS: dict[str, int] = {"annual": 1, "quarterly": 4, "monthly": 12}


class PaymentPlanRule(_Doc):
    """A way to pay the annual premium: in 1 (annual), 4 (quarterly) or 12 (monthly) installments, with a fee.
    The fee is `factor` × premium (rounded half-up to the cent) plus `installment_fee` per installment."""

    plan: PlanName
    factor: Decimal = Field(Decimal("0"), ge=0, le=Decimal("0.5"), description="Share of the premium added as a fee")
    installment_fee: Decimal = Field(Decimal("0.00"), ge=0, le=100, description="Added to every installment")

    @property
    def installments(self) -> int:
        return INSTALLMENTS[self.plan]


ANNUAL_ONLY = (PaymentPlanRule(plan="annual"),)


class RulebookDocument(_Doc):
    """One version of a product's criteria, as stored (and as written in `data/rulebooks/<product>.json`)."""

    product: ProductId
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.\-]{1,40}$")]
    title: str
    description: str
    base_rate: Decimal | None = Field(
        None, gt=0, description="Annual premium per dollar insured; none for the bundle (each coverage's own)"
    )
    applicant_types: list[ApplicantType]
    approved_states: list[Annotated[StateCode, BeforeValidator(_stripped)]]
    max_item_value: Decimal = Field(gt=0)
    max_insured_value: Decimal = Field(gt=0)
    minimum_premium: Decimal = Field(
        Decimal("0.00"),
        ge=0,
        description="Kept whatever the cancellation date (a first-day cancellation refunds the rest)",
    )
    payment_plans: list[PaymentPlanRule] = Field(
        default_factory=lambda: list(ANNUAL_ONLY),
        description="The payment plans offered (each plan at most once); none listed: annual only, no fee",
    )
    bars: list[Bar] = Field(default_factory=list)
    rate_factors: list[RateFactor] = Field(default_factory=list)
    frequent_claimants: list[IdentityRecord] = Field(default_factory=list)
    delinquent_debtors: list[IdentityRecord] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.product}@{self.version}"

    @model_validator(mode="after")
    def _each_plan_once(self) -> RulebookDocument:
        names = [p.plan for p in self.payment_plans]
        if len(names) != len(set(names)) or not names:
            raise ValueError("payment_plans must list each plan at most once, and at least one")
        return self


def parse_document(text: str) -> RulebookDocument:
    """A rulebook document from its JSON text (numbers read as Decimal, never float)."""
    return RulebookDocument.model_validate(json.loads(text, parse_float=Decimal))


def rulebooks_dir() -> Path:
    """`data/rulebooks`, in the checkout or in the Lambda layer (`/opt/data`)."""
    return data_dir("rulebooks")


def rulebook_files(directory: Path | None = None) -> dict[str, str]:
    """JSON text of each rulebook file, by product."""
    folder = directory or rulebooks_dir()
    return {path.stem: path.read_text() for path in sorted(folder.glob("*.json"))}


def default_store() -> RulebookStore:
    from insure.aws import client
    from insure.settings import get_settings

    return RulebookStore(client("dynamodb"), get_settings().table_name)


def seed_rulebooks(directory: Path | None = None, store: RulebookStore | None = None) -> list[str]:
    """Publish every rulebook file (`data/rulebooks/*.json`); returns the labels now current."""
    target = store or default_store()
    return [target.publish(text) for text in rulebook_files(directory).values()]
