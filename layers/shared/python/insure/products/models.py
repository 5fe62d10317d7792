"""The products on sale and the objective inputs each one is underwritten on.

These are the request models of `POST /quotes` and `POST /applications`: the `items` of an application are the
insured risks, one model per coverage. A single-product request may leave out each item's `coverage` (it is the
product); a `bundle` names the coverage of every item. Only the objective fields (selections from stored lists,
yes/no answers, numbers, dates) are ever evaluated; the narrative fields (`description`, `notes`) are kept but
never read by the underwriting engine.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from insure.products.ids import COVERAGES, PRODUCTS, Coverage, ProductId  # noqa: F401 - PRODUCTS, COVERAGES re-exported
from insure.types import Amount, Email, Money, MultilineText, StateCode, Text

ApplicantType = Literal["personal", "business"]
PERSONAL_ONLY: frozenset[str] = frozenset({"disability", "accidental_death", "major_medical"})
"""Coverages of a person's body and health: a business cannot apply for them."""
AGE_RATED: frozenset[str] = frozenset({"disability", "accidental_death", "major_medical"})
"""Coverages whose criteria depend on the insured's age (from `date_of_birth`)."""

Name = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-.]{7,20}$")]
Zip = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{5}(-[0-9]{4})?$")]
SicCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}$")]
Narrative = Annotated[MultilineText, StringConstraints(max_length=2000)]
NARRATIVE_HINT = (
    "Anything else you want us to know, in your own words. We keep it with your policy; it does not change your "
    "price or our decision."
)
"""The hint a person reads beside a free-text field: narrative is kept, never evaluated by the underwriting rules."""
Year = Annotated[int, Field(ge=1970, le=2100)]
YearBuilt = Annotated[int, Field(ge=1850, le=2100)]
"""Old buildings are insured: their age is a rate factor in the property rulebook, not a wall."""
Count = Annotated[int, Field(ge=0, le=1000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Address(_Input):
    line1: Name
    line2: Annotated[Text, StringConstraints(max_length=100)] | None = None
    city: Name
    state: StateCode
    zip: Zip


class PersonalApplicant(_Input):
    """A person applying for themself."""

    first_name: Name
    last_name: Name
    date_of_birth: datetime.date
    email: Email
    phone: Phone
    occupation: Annotated[Text, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)]
    address: Address


class BusinessApplicant(_Input):
    """A company applying: the contact person speaks for it."""

    company_name: Name
    contact_name: Name
    email: Email
    phone: Phone
    address: Address
    sic_code: SicCode | None = Field(None, description="Standard Industrial Classification of the main operations")
    years_in_business: Count | None = None
    employees: Count | None = None


Applicant = PersonalApplicant | BusinessApplicant


# --- insured risks, one model per coverage -------------------------------------------------------------------

Accessory = Literal[
    "monitor",
    "printer",
    "scanner",
    "external_drive",
    "docking_station",
    "keyboard",
    "mouse",
    "speakers",
    "webcam",
    "headset",
    "ups",
    "router",
    "stylus",
    "case",
    "charger",
]


class ComputerItem(_Input):
    """One computer system: a desktop, a portable (laptop) or a handheld, with its accessories."""

    coverage: Literal["computer"] = "computer"
    kind: Literal["desktop", "portable", "handheld"]
    brand: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    model: Annotated[Text, StringConstraints(max_length=80)] = ""
    purchase_year: Year | None = Field(None, description="Year the system was bought; the current year if omitted")
    value: Amount = Field(description="Replacement value of the system and its accessories (the insured amount)")
    accessories: list[Accessory] = Field(default_factory=list, max_length=15)
    serial_number: Annotated[Text, StringConstraints(max_length=60)] | None = None
    theft_deterrent: bool = Field(False, description="Cable lock, tracking software or alarm")
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


Construction = Literal["frame", "joisted_masonry", "masonry", "fire_resistive", "mobile_home"]
Occupancy = Literal["owner_occupied", "tenant_occupied", "seasonal", "vacant", "commercial"]
FireProtection = Literal["hydrant_and_station", "station_only", "hydrant_only", "none"]


class PropertyItem(_Input):
    """A building (or its contents) at an address."""

    coverage: Literal["property"] = "property"
    construction: Construction
    occupancy: Occupancy
    fire_protection: FireProtection = Field(description="A hydrant within 1,000 ft and/or a fire station within 5 mi")
    year_built: YearBuilt
    stories: Annotated[int, Field(ge=1, le=100)] = 1
    sprinklered: bool = False
    monitored_alarm: bool = False
    prior_losses: Count = Field(0, description="Property losses claimed in the last five years")
    flood_zone: bool = False
    value: Amount = Field(description="Replacement cost (the insured amount)")
    address: Address | None = None
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


LossControl = Literal[
    "safety_program",
    "written_safety_manual",
    "osha_training",
    "fire_extinguishers",
    "sprinklers",
    "security_alarm",
    "first_aid_training",
    "vehicle_telematics",
    "drug_testing",
]


class CasualtyItem(_Input):
    """Liability for a business's operations, classified by SIC code."""

    coverage: Literal["casualty"] = "casualty"
    sic_code: SicCode = Field(description="Standard Industrial Classification of the operations insured")
    annual_revenue: Amount
    employees: Count
    years_in_business: Count
    loss_control: list[LossControl] = Field(default_factory=list, max_length=20)
    prior_losses: Count = Field(0, description="Liability claims in the last five years")
    value: Amount = Field(description="Limit of liability (the insured amount)")
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


class MedicalHistory(_Input):
    """Yes/no answers about the insured's health."""

    tobacco_use: bool = False
    heart_disease: bool = False
    diabetes: bool = False
    cancer_last_10_years: bool = False
    back_disorder: bool = False
    mental_health_treatment: bool = False
    hospitalized_last_2_years: bool = False
    pregnant: bool = False
    notes: Narrative | None = Field(None, description=NARRATIVE_HINT)


class DisabilityItem(_Input):
    """Income replacement when illness or injury stops the insured working (occupation from the applicant)."""

    coverage: Literal["disability"] = "disability"
    value: Amount = Field(description="Monthly benefit (the insured amount)")
    elimination_days: Literal[30, 60, 90, 180] = 90
    benefit_period_years: Literal[2, 5, 10] = 5
    annual_income: Amount
    medical_history: MedicalHistory = Field(default_factory=MedicalHistory)
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


HazardousActivity = Literal["skydiving", "scuba_diving", "motor_racing", "private_aviation", "mountaineering"]


class AccidentalDeathItem(_Input):
    """A lump sum if the insured dies of an accident."""

    coverage: Literal["accidental_death"] = "accidental_death"
    value: Amount = Field(description="Benefit amount (the insured amount)")
    hazardous_activities: list[HazardousActivity] = Field(default_factory=list, max_length=5)
    commercial_driver: bool = False
    beneficiary: Name | None = None
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


class MajorMedicalItem(_Input):
    """Hospital and medical expenses of the insured (and dependents)."""

    coverage: Literal["major_medical"] = "major_medical"
    value: Amount = Field(description="Annual maximum benefit (the insured amount)")
    deductible: Literal[500, 1000, 2500, 5000] = 1000
    dependents: Annotated[int, Field(ge=0, le=10)] = 0
    medical_history: MedicalHistory = Field(default_factory=MedicalHistory)
    description: Narrative | None = Field(None, description=NARRATIVE_HINT)


ITEM_MODELS: dict[str, type[BaseModel]] = {
    "computer": ComputerItem,
    "property": PropertyItem,
    "casualty": CasualtyItem,
    "disability": DisabilityItem,
    "accidental_death": AccidentalDeathItem,
    "major_medical": MajorMedicalItem,
}
ItemModel = ComputerItem | PropertyItem | CasualtyItem | DisabilityItem | AccidentalDeathItem | MajorMedicalItem


def _without_tags(tag_at: int, tags: frozenset[str]) -> WrapValidator:
    """Drop a union's tag from error locations: `items[0].value`, not `items[0].computer.value`."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            details: list[Any] = []
            for item in error.errors():
                loc = item["loc"]
                if len(loc) > tag_at and loc[tag_at] in tags:
                    loc = (*loc[:tag_at], *loc[tag_at + 1 :])
                detail: dict[str, Any] = {"type": item["type"], "loc": loc, "input": item["input"]}
                if "ctx" in item:
                    detail["ctx"] = item["ctx"]
                details.append(detail)
            raise ValidationError.from_exception_data(error.title, details) from None

    return WrapValidator(validate)


Item = Annotated[ItemModel, Field(discriminator="coverage")]
Items = Annotated[list[Item], Field(min_length=1, max_length=20), _without_tags(1, frozenset(ITEM_MODELS))]


def _applicant_kind(value: Any) -> str:
    if isinstance(value, BusinessApplicant) or (isinstance(value, dict) and "company_name" in value):
        return "business"
    return "personal"


ApplicantInput = Annotated[
    Annotated[PersonalApplicant, Tag("personal")] | Annotated[BusinessApplicant, Tag("business")],
    Discriminator(_applicant_kind),
    _without_tags(0, frozenset({"personal", "business"})),
]
"""A person (`first_name`, `last_name`, ...) or a business (`company_name`, `contact_name`, ...)."""


class _Request(_Input):
    @model_validator(mode="before")
    @classmethod
    def _items_of_product(cls, data: Any) -> Any:
        """A single-product request's items are of that product's coverage unless they say otherwise."""
        if not isinstance(data, dict):
            return data
        product, items = data.get("product"), data.get("items")
        if isinstance(product, str) and product in ITEM_MODELS and isinstance(items, list):
            items = [{"coverage": product, **item} if isinstance(item, dict) else item for item in items]
            return {**data, "items": items}
        return data

    def coverages(self) -> list[str]:
        """The distinct coverages of the items, in order of first appearance."""
        items: list[ItemModel] = getattr(self, "items")  # noqa: B009
        return list(dict.fromkeys(item.coverage for item in items))


class ApplicationInput(_Request):
    """What a person applies with (the body of `POST /applications`, minus `quote_id` and `referrer`)."""

    product: ProductId
    state: StateCode = Field(description="Where the risk is insured: must be a state where the product is approved")
    applicant_type: ApplicantType
    applicant: ApplicantInput
    items: Items

    @property
    def date_of_birth(self) -> datetime.date | None:
        return self.applicant.date_of_birth if isinstance(self.applicant, PersonalApplicant) else None


class QuoteRequest(_Request):
    """A preliminary quote: the same items as the application; `date_of_birth` when a coverage is age-rated."""

    product: ProductId
    state: StateCode
    items: Items
    applicant_type: ApplicantType = "personal"
    date_of_birth: datetime.date | None = Field(None, description="Needed for disability, accidental death, medical")
    occupation: (
        Annotated[Text, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)] | None
    ) = Field(None, description="Needed for disability")

    @classmethod
    def from_application(cls, application: ApplicationInput) -> QuoteRequest:
        """The quote an application would get (same items, same criteria)."""
        applicant = application.applicant
        return cls(
            product=application.product,
            state=application.state,
            items=application.items,
            applicant_type=application.applicant_type,
            date_of_birth=application.date_of_birth,
            occupation=applicant.occupation if isinstance(applicant, PersonalApplicant) else None,
        )


# --- the catalog ----------------------------------------------------------------------------------------------


class Limits(BaseModel):
    """The most a single item and a single insured may be covered for."""

    max_item_value: Money
    max_insured_value: Money


class ProductSummary(BaseModel):
    """A product on sale, as `GET /products` lists it."""

    product: ProductId
    title: str
    description: str
    approved_states: list[str]
    applicant_types: list[ApplicantType]
    limits: Limits
    coverages: list[Coverage] = Field(description="What the items may insure (several for the bundle)")
    rulebook_version: str
    input_schema: dict[str, Any] = Field(description="JSON schema of one item of `items` for this product")
