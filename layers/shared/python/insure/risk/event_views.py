"""What a reporter sees of a risk event: authorization by reporter token (or a customer's access token), the
event's status from its insurers' progress, the view with every insurer's progress (named; a third party who
reported sees the owner's insurers' statuses only), the live streams a subscriber may watch, and the strong ETag."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from insure.callers import Customer
from insure.errors import NotFound, Unauthorized
from insure.risk.event_models import RiskEvent, RiskEventView
from insure.risk.event_repository import repository
from insure.risk.progress import SETTLED, InsurerProgress
from insure.risk.reporter_tokens import token_hash


def authorize_reporter(risk_event_id: str, token: str | None) -> None:
    """The reporter token check shared by the API and live subscriptions: no or unknown token `Unauthorized`,
    a valid token of another event `NotFound`."""
    if not token:
        raise Unauthorized("Send Authorization: Bearer <reporter_token>.")
    owner = repository().event_of_token(token_hash(token))
    if owner is None:
        raise Unauthorized("The reporter token is not valid.")
    if owner != risk_event_id:
        raise NotFound(f"No risk event {risk_event_id}.")


def authorize_customer_token(risk_event_id: str, token: str) -> RiskEvent:
    """The event for a customer's access token: 401 when the token signs nobody in, 404 when the event is not the
    customer's (as `GET /risk-events/{id}` answers)."""
    from insure.accounts.access import authenticate_customer
    from insure.settings import get_settings

    customer = authenticate_customer(get_settings().table_name, token)
    if customer is None:
        raise Unauthorized("The access token is not valid or has expired.")
    found = repository().get(risk_event_id)
    if found is None or not customer_may_read(found[0], customer):
        raise NotFound(f"No risk event {risk_event_id}.")
    return found[0]


def watches(risk_event_id: str, token: str | None) -> list[tuple[str, str | None]]:
    """What a live subscriber with `token` may watch of the event, as (stream, shown as): the event's own stream
    (shown as itself), and for a third party's event the owner's event's stream too, shown as the third party's
    own event and reduced to insurer statuses (`InsurerProgress.for_third_party`). The token is the event's
    reporter token or, for the customer's event on their own policy, the customer's access token; refused as
    `GET /risk-events/{id}` refuses it (401, 404)."""
    from insure.accounts.access import looks_like_access_token

    if token and looks_like_access_token(token):
        authorize_customer_token(risk_event_id, token)
        return [(risk_event_id, None)]
    authorize_reporter(risk_event_id, token)
    found = repository().get(risk_event_id)
    if found is None:
        raise NotFound(f"No risk event {risk_event_id}.")
    event = found[0]
    streams: list[tuple[str, str | None]] = [(risk_event_id, None)]
    if event.role == "third_party":
        streams += [(owner_event, risk_event_id) for owner_event in event.related_event_ids[:1]]
    return streams


def customer_may_read(event: RiskEvent, customer: Customer) -> bool:
    """Whether a signed-in customer may read `event`: the customer's event (not a third party's own) on one of
    the platform's policies bought in a session linked to their account."""
    if event.role != "customer":
        return False
    from insure.claims_desk.registration import PLATFORM_INSURER_ID
    from insure.policies.repository import PolicyRepository
    from insure.settings import get_settings

    policies = PolicyRepository(get_settings().table_name)
    for policy in event.policies:
        if policy.insurer_id != PLATFORM_INSURER_ID:
            continue
        stored = policies.get(policy.policy_number)
        if stored is not None and customer.owns(stored):
            return True
    return False


def status_of(
    event: RiskEvent, insurers: list[InsurerProgress]
) -> Literal["open", "in_progress", "resolved", "reported_to_owner"]:
    if event.role == "third_party":
        return "reported_to_owner"
    if insurers and all(p.status in SETTLED for p in insurers):
        return "resolved"
    if any(p.status != "pending" for p in insurers):
        return "in_progress"
    return "open"


def view_of(event: RiskEvent) -> RiskEventView:
    from insure.risk.insurers import named
    from insure.risk.progress import timeline

    insurers: list[InsurerProgress] = []
    if event.role == "customer":
        insurers = [
            p.model_copy(update={"latest_facts_delivered": p.facts_revision_delivered >= event.facts_revision})
            if p.facts_revision_delivered is not None
            else p
            for p in sorted(named(timeline(event.risk_event_id)), key=lambda p: p.insurer_id)
        ]
    elif event.related_event_ids:  # the person on site watches every insurer of the object too, statuses only
        owners = sorted(named(timeline(event.related_event_ids[0])), key=lambda p: p.insurer_id)
        insurers = [p.for_third_party() for p in owners]
    return RiskEventView(
        risk_event_id=event.risk_event_id,
        status=status_of(event, insurers),
        reporter_is_customer=event.reporter_is_customer,
        related_event_ids=event.related_event_ids,
        guidance=event.guidance,
        insurers=insurers,
        location=event.location,
        facts=event.facts,
        tag_id=event.tag_id,
        object_description=event.object_description,
        occurred_at=event.occurred_at,
        created_at=event.created_at,
        updated_at=event.updated_at,
        reports=event.reports if event.role == "customer" else [],
    )


def view(risk_event_id: str, token: str | None) -> RiskEventView:
    """The event as its reporter sees it (with every insurer's progress on a customer's event)."""
    authorize_reporter(risk_event_id, token)
    found = repository().get(risk_event_id)
    if found is None:
        raise NotFound(f"No risk event {risk_event_id}.")
    return view_of(found[0])


def etag_of(representation: RiskEventView) -> str:
    """A strong ETag over the exact JSON representation."""
    canonical = json.dumps(representation.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'
