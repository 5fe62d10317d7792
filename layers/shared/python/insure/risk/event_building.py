"""What a report opens: the reporter's event and, for a third party, the customer's, linked both ways, or (with an
open incident on the object) the customer's existing event; each with the guidance for its audience. Pure: the
intake (`insure.risk.events.RiskIntake`) stores and dispatches what this builds."""

from __future__ import annotations

import hashlib
from typing import Any

from insure.risk.event_models import Location, ReporterContact, RiskEvent, Source, ThirdPartyReport, now_rfc3339
from insure.risk.event_updates import guidance_for
from insure.risk.reporters import ReporterIdentity, identify
from insure.risk.tags import Tag


def _contact(reporter: ReporterIdentity | None) -> ReporterContact:
    if reporter is None:
        return ReporterContact()
    return ReporterContact(
        name=reporter.name,
        phone=reporter.phone,
        email=reporter.email,
        share_contact_with_insurers=reporter.share_contact_with_insurers,
    )


def derived_id(*parts: str) -> str:
    return "re_" + hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


def build_events(
    tag: Tag,
    reporter: ReporterIdentity | None,
    *,
    ids: tuple[str, str],
    source: Source,
    location: Location | None,
    occurred_at: str,
    facts: dict[str, Any],
    deadlines: list[dict[str, Any]],
    scan_id: str | None = None,
    device_id: str | None = None,
    incident: RiskEvent | None = None,
) -> list[RiskEvent]:
    """The reporter's event first, then (for a third party) the customer's; `ids` = (reporter's, customer's).
    With an open `incident` (the customer's event of a recent report on the same object) nothing new is opened
    for the customer: the customer gets that event, a third party only their own event, linked to it.
    `deadlines` are the insurers' reporting deadlines (`RiskIntake.deadlines`)."""
    at = now_rfc3339()
    is_customer = identify(reporter, tag.customer).is_customer
    contact = _contact(reporter)
    common: dict[str, Any] = {
        "source": source,
        "tag_id": tag.tag_id,
        "object_description": tag.object.description,
        "reporter": contact,
        "reporter_is_customer": is_customer,
        "location": location,
        "occurred_at": occurred_at,
        "created_at": at,
        "updated_at": at,
        "facts": facts,
        "scan_id": scan_id,
        "device_id": device_id,
    }
    customer_fields: dict[str, Any] = {"policies": tag.policies, "insurer_deadlines": deadlines}
    if incident is not None:
        if is_customer:
            if incident.reporter_is_customer:
                return [incident]
            # opened by a third party: the customer now reports on site (recorded by `_customer_on_site`)
            return [
                incident.model_copy(
                    update={
                        "reporter": contact,
                        "reporter_is_customer": True,
                        "location": location or incident.location,
                    }
                )
            ]
        own = RiskEvent(risk_event_id=ids[0], role="third_party", related_event_ids=[incident.risk_event_id], **common)
        return [own.model_copy(update={"guidance": guidance_for(own)})]
    if is_customer:
        event = RiskEvent(risk_event_id=ids[0], role="customer", **common, **customer_fields)
        return [event.model_copy(update={"guidance": guidance_for(event)})]
    own = RiskEvent(risk_event_id=ids[0], role="third_party", related_event_ids=[ids[1]], **common)
    report = ThirdPartyReport(risk_event_id=ids[0], reporter=contact, location=location, reported_at=at, source=source)
    customers = RiskEvent(
        risk_event_id=ids[1], role="customer", related_event_ids=[ids[0]], reports=[report], **common, **customer_fields
    )
    return [
        own.model_copy(update={"guidance": guidance_for(own)}),
        customers.model_copy(update={"guidance": guidance_for(customers)}),
    ]
