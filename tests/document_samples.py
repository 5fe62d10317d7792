"""A policy of every product as issuance stores it (items validated by the product's own input models and dumped
as the application keeps them), for the document tests and `scripts/render_documents.py`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from insure.policies.document import DocumentContext
from insure.policies.issuance import insured_name, with_item_ids
from insure.policies.models import Cancellation, Change, PolicyVersion
from insure.products.models import ApplicationInput
from insure.types import Money

PERSON: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "phone": "+1 212 555 0101",
    "occupation": "software engineer",
    "address": {
        "line1": "12 Marchmont Street",
        "line2": "Apartment 4B",
        "city": "New York",
        "state": "NY",
        "zip": "10012",
    },
}
COMPANY: dict[str, Any] = {
    "company_name": "Babbage Engines LLC",
    "contact_name": "Charles Babbage",
    "email": "office@babbage.example",
    "phone": "+1 312 555 0188",
    "address": {"line1": "500 West Madison Street", "city": "Chicago", "state": "IL", "zip": "60661"},
    "sic_code": "3571",
    "years_in_business": 12,
    "employees": 40,
}
LAPTOP = {
    "coverage": "computer",
    "kind": "portable",
    "brand": "Dell",
    "model": "XPS 13",
    "purchase_year": 2025,
    "value": "1500.00",
    "accessories": ["docking_station", "ups", "mouse"],
    "serial_number": "CN-0XPS13-7422",
    "theft_deterrent": True,
}
DESKTOP = {"coverage": "computer", "kind": "desktop", "brand": "Apple", "model": "iMac", "value": "2000.00"}
BUILDING = {
    "coverage": "property",
    "construction": "joisted_masonry",
    "occupancy": "owner_occupied",
    "fire_protection": "hydrant_and_station",
    "year_built": 1962,
    "stories": 2,
    "sprinklered": False,
    "monitored_alarm": True,
    "value": "450000.00",
    "address": {"line1": "77 Elm Road", "city": "Evanston", "state": "IL", "zip": "60201"},
}
OPERATIONS = {
    "coverage": "casualty",
    "sic_code": "3571",
    "annual_revenue": "4200000.00",
    "employees": 40,
    "years_in_business": 12,
    "loss_control": ["safety_program", "osha_training", "fire_extinguishers"],
    "value": "2000000.00",
}
INCOME = {
    "coverage": "disability",
    "value": "4500.00",
    "elimination_days": 90,
    "benefit_period_years": 5,
    "annual_income": "96000.00",
    "medical_history": {"tobacco_use": False},
}
ACCIDENT = {
    "coverage": "accidental_death",
    "value": "250000.00",
    "hazardous_activities": ["scuba_diving"],
    "beneficiary": "Annabella Byron",
}
MEDICAL = {"coverage": "major_medical", "value": "1000000.00", "deductible": 2500, "dependents": 2}

# product -> (state, applicant, items, premium, minimum premium)
PRODUCTS: dict[str, tuple[str, dict[str, Any], list[dict[str, Any]], str, str]] = {
    "computer": ("NY", PERSON, [LAPTOP, DESKTOP], "137.81", "25.00"),
    "property": ("IL", COMPANY, [BUILDING], "1822.50", "0.00"),
    "casualty": ("IL", COMPANY, [OPERATIONS], "6150.00", "0.00"),
    "disability": ("TX", PERSON, [INCOME], "1296.00", "0.00"),
    "accidental_death": ("OH", PERSON, [ACCIDENT], "212.50", "0.00"),
    "major_medical": ("FL", PERSON, [MEDICAL], "5400.00", "0.00"),
    "bundle": ("IL", COMPANY, [BUILDING, LAPTOP, OPERATIONS], "7655.20", "0.00"),
}


def application(product: str) -> dict[str, Any]:
    """The application input of `product`'s sample, as the application record keeps it."""
    state, applicant, items, _, _ = PRODUCTS[product]
    kind = "business" if "company_name" in applicant else "personal"
    return ApplicationInput.model_validate(
        {"product": product, "state": state, "applicant_type": kind, "applicant": applicant, "items": items}
    ).model_dump(mode="json")


def issued(product: str, **changes: Any) -> PolicyVersion:
    """Version 1 of `product`'s sample policy."""
    stored = application(product)
    state, _, _, premium, _ = PRODUCTS[product]
    number = "POL-" + product.upper().replace("_", "")[:6].ljust(6, "X") + "2612"
    fields: dict[str, Any] = {
        "policy_number": number,
        "version": 1,
        "change": "issued",
        "changes": [Change(kind="issued")],
        "version_effective_date": "2026-12-01",
        "application_id": "app_" + product,
        "product": product,
        "state": state,
        "insured": insured_name(stored["applicant"]),
        "applicant_type": stored["applicant_type"],
        "items": with_item_ids(stored["items"]),
        "premium": Money(amount=premium, currency="USD"),
        "effective_date": "2026-12-01",
        "expiry_date": "2027-12-01",
        "issued_at": "2026-12-01T14:05:00Z",
        "signed_by_officer": state in ("NY", "TX", "FL"),
        "document_key": f"policies/{number}/v0001.pdf",
        "rulebook_version": f"{product}@2026.12.1",
    }
    return PolicyVersion.model_validate({**fields, **changes})


def context(product: str, earlier: list[PolicyVersion] | None = None) -> DocumentContext:
    _, _, _, _, minimum = PRODUCTS[product]
    return DocumentContext(
        applicant=application(product)["applicant"], earlier=earlier or [], minimum_premium=Decimal(minimum)
    )


def amended_and_cancelled() -> list[PolicyVersion]:
    """The computer sample amended (a handheld added, the laptop's value changed, the desktop removed), then
    cancelled: versions 1, 2 and 3."""
    first = issued("computer")
    laptop, desktop = first.items
    phone = {
        "item_id": "itm_0a1b2c3d4e5f",
        "coverage": "computer",
        "kind": "handheld",
        "brand": "Apple",
        "model": "iPhone 17",
        "value": "1100.00",
        "accessories": [],
        "theft_deterrent": False,
    }
    second = first.model_copy(
        update={
            "version": 2,
            "change": "amended",
            "made_by": "customer",
            "version_effective_date": "2027-02-15",
            "changes": [
                Change(kind="item_added", item_id=phone["item_id"]),
                Change(kind="item_removed", item_id=desktop["item_id"]),
                Change(kind="item_changed", item_id=laptop["item_id"], fields=["accessories", "value"]),
                Change(kind="premium", before="137.81", after="151.20"),
            ],
            "items": [{**laptop, "value": "1700.00"}, phone],
            "premium": Money(amount="151.20", currency="USD"),
            "amendment_id": "amd_7f3e",
            "issued_at": "2027-02-14T09:30:00Z",
            "document_key": f"policies/{first.policy_number}/v0002.pdf",
        }
    )
    third = second.model_copy(
        update={
            "version": 3,
            "change": "cancelled",
            "made_by": "customer",
            "status": "cancelled",
            "version_effective_date": "2027-06-01",
            "changes": [Change(kind="status", before="active", after="cancelled")],
            "cancellation": Cancellation(
                effective_date="2027-06-01",
                reason="item_sold_or_lost",
                refund=Money(amount="71.40", currency="USD"),
                requested_at="2027-06-01T08:00:00Z",
            ),
            "amendment_id": None,
            "issued_at": "2027-06-01T08:00:02Z",
            "document_key": f"policies/{first.policy_number}/v0003.pdf",
        }
    )
    return [first, second, third]


class Installment(BaseModel):
    installment: int
    due_date: str
    amount: Money


class PlanSchedule(BaseModel):
    """A payment plan's fee and installments, as the billing work keeps them on a version (`payment_schedule`)."""

    plan: str
    installments: int
    fee: Money
    total: Money
    schedule: list[Installment]


class BilledVersion(PolicyVersion):
    """A version with the fields the billing work adds (payment plan, its schedule, the policy term)."""

    payment_plan: str = "annual"
    payment_schedule: PlanSchedule | None = None
    term: int = 1


def monthly(product: str = "computer", **changes: Any) -> BilledVersion:
    """`product`'s sample paid monthly: twelve installments of the premium plus a $1.00 fee each."""
    first = issued(product)
    premium = first.premium.decimal
    total = premium + Decimal("12.00")
    later = (total / 12).quantize(Decimal("0.01"))
    amounts = [total - 11 * later] + [later] * 11
    months = [f"{2026 + (11 + m) // 12}-{(11 + m) % 12 + 1:02d}-01" for m in range(12)]
    schedule = PlanSchedule(
        plan="monthly",
        installments=12,
        fee=Money(amount="12.00", currency="USD"),
        total=Money(amount=f"{total:.2f}", currency="USD"),
        schedule=[
            Installment(installment=n, due_date=due, amount=Money(amount=f"{amount:.2f}", currency="USD"))
            for n, (due, amount) in enumerate(zip(months, amounts, strict=True), start=1)
        ],
    )
    fields = {**first.model_dump(), "payment_plan": "monthly", "payment_schedule": schedule.model_dump(), **changes}
    return BilledVersion.model_validate(fields)


def lapsed_and_renewed() -> list[BilledVersion]:
    """The monthly computer sample lapsed (version 2), and another renewed for a second term (versions 1, 2)."""
    first = monthly()
    lapsed = first.model_copy(
        update={
            "version": 2,
            "change": "lapsed",
            "status": "lapsed",
            "version_effective_date": "2027-03-11",
            "changes": [Change(kind="status", before="active", after="lapsed")],
            "issued_at": "2027-03-11T06:00:00Z",
        }
    )
    renewed = first.model_copy(
        update={
            "version": 2,
            "change": "renewed",
            "made_by": "customer",
            "term": 2,
            "payment_schedule": None,
            "effective_date": "2027-12-01",
            "expiry_date": "2028-12-01",
            "version_effective_date": "2027-12-01",
            # `renewed` is a change kind of the billing work: made without validation until it is on main
            "changes": [Change.model_construct(kind="renewed", item_id=None, fields=[], before=None, after=None)],
            "issued_at": "2027-11-20T10:00:00Z",
        }
    )
    return [first, lapsed, renewed]
