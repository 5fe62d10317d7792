"""A policy of every product as issuance stores it (items validated by the product's own input models and dumped
as the application keeps them), for the document tests and `scripts/render_documents.py`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from insure.billing.models import PaymentPlanView
from insure.policies.changes import next_version
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


def plan(product: str, name: str, premium: Decimal, start: dt.date) -> PaymentPlanView:
    """The schedule of `product`'s rulebook plan `name` for `premium` over a term from `start`, as billing keeps it
    on a version (`insure.billing.plans`)."""
    from insure.billing.plans import schedule
    from insure.products.rulebooks import parse_document, rulebook_files

    rule = next(r for r in parse_document(rulebook_files()[product]).payment_plans if r.plan == name)
    return PaymentPlanView.model_validate(schedule(premium, rule, start).as_json())


def monthly(product: str = "computer", **changes: Any) -> PolicyVersion:
    """`product`'s sample paid monthly, on its rulebook's plan (the computer's: a 3% fee and $1.00 an installment)."""
    first = issued(product)
    schedule = plan(product, "monthly", first.premium.decimal, dt.date.fromisoformat(first.effective_date))
    return first.model_copy(update={"payment_plan": "monthly", "payment_schedule": schedule, **changes})


def _at(version: PolicyVersion, issued_at: str) -> PolicyVersion:
    """`version` as issued at `issued_at` (`next_version` stamps the time it runs)."""
    return version.model_copy(update={"issued_at": issued_at})


def lapsed_and_renewed() -> list[PolicyVersion]:
    """The monthly computer sample lapsed (version 2), and another renewed for a second term, paid quarterly
    (versions 1, 2), each made by `next_version` as the billing run and the renewal make them."""
    first = monthly()
    lapsed = next_version(
        first,
        change="lapsed",
        made_by="workflow",
        in_force_from=dt.date(2027, 3, 11),
        changes=[Change(kind="status", before="active", after="lapsed")],
        status="lapsed",
    )
    start, premium = dt.date(2027, 12, 1), Money(amount="142.60", currency="USD")
    renewed = next_version(
        first,
        change="renewed",
        made_by="customer",
        in_force_from=start,
        changes=[Change(kind="renewed", before=first.premium.amount, after=premium.amount)],
        premium=premium,
        rulebook_version="computer@2026.12.1",
    ).model_copy(
        update={
            "term": 2,
            "effective_date": start.isoformat(),
            "expiry_date": "2028-12-01",
            "payment_plan": "quarterly",
            "payment_schedule": plan("computer", "quarterly", premium.decimal, start),
        }
    )
    return [first, _at(lapsed, "2027-03-11T06:00:00Z"), _at(renewed, "2027-11-20T10:00:00Z")]


def expired(product: str = "computer") -> list[PolicyVersion]:
    """`product`'s sample left unrenewed to the end of its term: version 2 made by `next_version` exactly as the
    renewal run's `_expire` makes it."""
    first = issued(product)
    version = next_version(
        first,
        change="expired",
        made_by="workflow",
        in_force_from=dt.date.fromisoformat(first.expiry_date),
        changes=[Change(kind="status", before=first.status, after="expired")],
        status="expired",
    )
    return [first, _at(version, "2027-12-01T05:00:00Z")]
