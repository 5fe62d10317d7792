"""A signed-in customer's risk events: the customer's events on the platform's policies bought in sessions linked
to their account (those `GET /risk-events/{id}` lets them read), newest first, each with its status and where
each insurer stands (by name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from insure.callers import Customer
from insure.risk.progress_models import InsurerProgress, ProgressStatus

if TYPE_CHECKING:
    from insure.risk.ports import EventStore

MAX_EVENTS = 50


class InsurerStatusSummary(BaseModel):
    """Where one insurer stands on the event."""

    insurer_id: str
    name: str | None = Field(None, description="The insurer's name, as registered")
    status: ProgressStatus
    updated_at: str


class CustomerRiskEvent(BaseModel):
    """One of the customer's risk events, in short (`GET /risk-events/{id}` has the rest)."""

    risk_event_id: str
    status: Literal["open", "in_progress", "resolved", "reported_to_owner"]
    object_description: str
    tag_id: str
    policy_number: str = Field(description="The platform's policy on the object")
    reporter_is_customer: bool = Field(description="False when someone else reported it (see the event's reports)")
    opened_at: str = Field(description="When the event was opened (RFC 3339 UTC)")
    occurred_at: str
    insurers: list[InsurerStatusSummary]


class CustomerRiskEvents(BaseModel):
    """The customer's risk events, newest first (at most 50)."""

    risk_events: list[CustomerRiskEvent]


def _policy_numbers(customer: Customer) -> list[str]:
    """The platform policies the customer may read: those bought in the sessions linked to the account."""
    from insure.accounts.repository import AccountRepository
    from insure.applications.repository import ApplicationRepository
    from insure.settings import get_settings

    table = get_settings().table_name
    applications = ApplicationRepository(table)
    numbers: list[str] = []
    for application_id in AccountRepository(table).applications_of(customer.customer_id):
        record = applications.get(application_id, consistent=False)
        if record is not None and record.policy_number and customer.owns(record):
            numbers.append(record.policy_number)
    return numbers


def events_of(
    customer: Customer, *, events: EventStore, timeline: Callable[[str], list[InsurerProgress]]
) -> CustomerRiskEvents:
    """The customer's risk events on their platform policies, newest first (`timeline`: an event's insurers'
    progress, named)."""
    from insure.claims_desk.registration import PLATFORM_INSURER_ID
    from insure.risk.event_views import status_of

    listed: list[CustomerRiskEvent] = []
    for policy_number in _policy_numbers(customer):
        for risk_event_id in events.events_of_policy(PLATFORM_INSURER_ID, policy_number, MAX_EVENTS):
            found = events.get(risk_event_id)
            if found is None or found[0].role != "customer":
                continue
            event = found[0]
            insurers = sorted(timeline(risk_event_id), key=lambda p: p.insurer_id)
            listed.append(
                CustomerRiskEvent(
                    risk_event_id=risk_event_id,
                    status=status_of(event, insurers),
                    object_description=event.object_description,
                    tag_id=event.tag_id,
                    policy_number=policy_number,
                    reporter_is_customer=event.reporter_is_customer,
                    opened_at=event.created_at,
                    occurred_at=event.occurred_at,
                    insurers=[
                        InsurerStatusSummary(
                            insurer_id=p.insurer_id, name=p.name, status=p.status, updated_at=p.updated_at
                        )
                        for p in insurers
                    ],
                )
            )
    listed.sort(key=lambda e: (e.opened_at, e.risk_event_id), reverse=True)
    return CustomerRiskEvents(risk_events=listed[:MAX_EVENTS])
