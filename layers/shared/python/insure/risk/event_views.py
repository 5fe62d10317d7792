"""What a reporter sees of a risk event: authorization by reporter token (or a customer's access token), the
event's status from its insurers' progress, the view with every insurer's progress (named; a third party who
reported sees the owner's insurers' statuses only), the live streams a subscriber may watch, and the strong ETag."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from insure.callers import Customer
from insure.errors import NotFound, Unauthorized
from insure.risk.event_models import RiskEvent, RiskEventView
from insure.risk.progress_models import SETTLED, InsurerProgress
from insure.risk.reporter_tokens import token_hash

if TYPE_CHECKING:
    from insure.risk.ports import EventStore


class EventViews:
    """Reads events for their reporters and customers. `timeline` is an event's insurers' progress, named;
    `authenticate_customer` turns an access token into its customer (None: not signed in); `platform_policy`
    reads a platform policy by number (None: unknown)."""

    def __init__(
        self,
        events: EventStore,
        *,
        timeline: Callable[[str], list[InsurerProgress]],
        authenticate_customer: Callable[[str], Customer | None],
        platform_policy: Callable[[str], Any | None],
    ) -> None:
        self.events, self.timeline = events, timeline
        self.authenticate_customer, self.platform_policy = authenticate_customer, platform_policy

    def authorize_reporter(self, risk_event_id: str, token: str | None) -> None:
        """The reporter token check shared by the API and live subscriptions: no or unknown token `Unauthorized`,
        a valid token of another event `NotFound`."""
        if not token:
            raise Unauthorized("Send Authorization: Bearer <reporter_token>.")
        owner = self.events.event_of_token(token_hash(token))
        if owner is None:
            raise Unauthorized("The reporter token is not valid.")
        if owner != risk_event_id:
            raise NotFound(f"No risk event {risk_event_id}.")

    def authorize_customer_token(self, risk_event_id: str, token: str) -> RiskEvent:
        """The event for a customer's access token: 401 when the token signs nobody in, 404 when the event is not
        the customer's (as `GET /risk-events/{id}` answers)."""
        customer = self.authenticate_customer(token)
        if customer is None:
            raise Unauthorized("The access token is not valid or has expired.")
        found = self.events.get(risk_event_id)
        if found is None or not self.customer_may_read(found[0], customer):
            raise NotFound(f"No risk event {risk_event_id}.")
        return found[0]

    def watches(self, risk_event_id: str, token: str | None) -> list[tuple[str, str | None]]:
        """What a live subscriber with `token` may watch of the event, as (stream, shown as): the event's own
        stream (shown as itself), and for a third party's event the owner's event's stream too, shown as the
        third party's own event and reduced to insurer statuses (`InsurerProgress.for_third_party`). The token is
        the event's reporter token or, for the customer's event on their own policy, the customer's access token;
        refused as `GET /risk-events/{id}` refuses it (401, 404)."""
        from insure.accounts.access import looks_like_access_token

        if token and looks_like_access_token(token):
            self.authorize_customer_token(risk_event_id, token)
            return [(risk_event_id, None)]
        self.authorize_reporter(risk_event_id, token)
        event = self.get(risk_event_id)
        streams: list[tuple[str, str | None]] = [(risk_event_id, None)]
        if event.role == "third_party":
            streams += [(owner_event, risk_event_id) for owner_event in event.related_event_ids[:1]]
        return streams

    def get(self, risk_event_id: str) -> RiskEvent:
        """The stored event (`NotFound` when there is none)."""
        found = self.events.get(risk_event_id)
        if found is None:
            raise NotFound(f"No risk event {risk_event_id}.")
        return found[0]

    def customer_may_read(self, event: RiskEvent, customer: Customer) -> bool:
        """Whether a signed-in customer may read `event`: the customer's event (not a third party's own) on one of
        the platform's policies bought in a session linked to their account."""
        if event.role != "customer":
            return False
        from insure.claims_desk.registration import PLATFORM_INSURER_ID

        for policy in event.policies:
            if policy.insurer_id != PLATFORM_INSURER_ID:
                continue
            stored = self.platform_policy(policy.policy_number)
            if stored is not None and customer.owns(stored):
                return True
        return False

    def view_of(self, event: RiskEvent) -> RiskEventView:
        insurers: list[InsurerProgress] = []
        if event.role == "customer":
            insurers = [
                p.model_copy(update={"latest_facts_delivered": p.facts_revision_delivered >= event.facts_revision})
                if p.facts_revision_delivered is not None
                else p
                for p in sorted(self.timeline(event.risk_event_id), key=lambda p: p.insurer_id)
            ]
        elif event.related_event_ids:  # the person on site watches every insurer of the object too, statuses only
            owners = sorted(self.timeline(event.related_event_ids[0]), key=lambda p: p.insurer_id)
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


def etag_of(representation: RiskEventView) -> str:
    """A strong ETag over the exact JSON representation."""
    canonical = json.dumps(representation.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'
