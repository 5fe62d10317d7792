"""Changes to stored risk events after they open: guidance, live pushes, dispatch to the insurers, optimistic
updates of the customer's event, and facts from the person on site (merged, mirrored from a third party's event
onto the customer's, re-dispatched when the customer's event type becomes known or changes)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from insure.errors import Conflict, NotFound
from insure.risk.event_models import RiskEvent, now_rfc3339
from insure.risk.facts import Facts, event_type_of, merge
from insure.risk.guidance import ACTIONS, GuidanceStep, rulebook

if TYPE_CHECKING:
    from insure.risk.ports import Dispatch, EventStore, Publisher, TagLookup

log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 8


def guidance_for(event: RiskEvent) -> list[GuidanceStep]:
    """The steps for the event's audience, re-evaluated from its facts (and insurers' deadlines)."""
    if event.role == "third_party":
        return rulebook().evaluate("third_party", event.facts, done=event.done)
    return rulebook().evaluate(
        "customer", event.facts, insurers=event.deadlines(), occurred_at=event.occurred(), done=event.done
    )


class EventUpdates:
    """Changes to stored events, over the event store, the tags (who the claim names), the insurers' dispatch and
    the live publisher."""

    def __init__(self, events: EventStore, tags: TagLookup, dispatcher: Dispatch, publisher: Publisher) -> None:
        self.events, self.tags, self.dispatcher, self.publisher = events, tags, dispatcher, publisher

    def record_done(self, risk_event_id: str, action: str, at: str) -> None:
        """Records that the platform did `action` on the event at `at` (the first time only), re-evaluates its
        guidance (which may now state it) and pushes the change live. Called once the action really happened
        (e.g. by the notifications sender once a message was delivered), never before."""
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; guidance knows {ACTIONS}.")

        def with_action(event: RiskEvent) -> dict[str, Any] | None:
            if action in event.done:
                return None
            updated = event.model_copy(update={"done": {**event.done, action: at}})
            return {"done": updated.done, "guidance": guidance_for(updated)}

        self.update_customer_event(risk_event_id, with_action, "guidance")

    def dispatch_event(self, event: RiskEvent) -> None:
        """Tells every insurer on the customer's event (idempotent per (event, insurer) on the fan-out side). A
        failure is logged, not raised: the event stands, and the next delivery or fact re-dispatches."""
        if event.role != "customer" or not event.policies:
            return
        from insure.risk.fanout import FanoutRequest, PolicyRef

        try:
            self.dispatcher.dispatch(
                FanoutRequest(
                    risk_event_id=event.risk_event_id,
                    event_type=event_type_of(event.facts),
                    facts=event.facts,
                    occurred_at=event.occurred_at,
                    location=event.location.model_dump() if event.location else None,
                    policies=[PolicyRef(**p.model_dump()) for p in event.policies],
                    **self.claim_parties(event),
                )
            )
        except Exception:
            log.warning(
                "dispatch of risk event %s failed; a later delivery re-dispatches", event.risk_event_id, exc_info=True
            )

    def claim_parties(self, event: RiskEvent) -> dict[str, Any]:
        """What a claim says about the insured, the object and the reporter (and which facts revision it
        carries). The insured and the object come from the tag. A third party is named as they gave their name;
        their phone and e-mail are passed on only when they agreed to it (`share_contact_with_insurers`); the
        customer's always are."""
        tag = self.tags.get(event.tag_id)
        insured = obj = None
        if tag is not None:
            insured = {"name": tag.customer.name, "phone": tag.customer.phone, "email": tag.customer.email}
            obj = {"description": tag.object.description, "serial_number": tag.object.serial_number}
        reporter: dict[str, Any] = {"role": "customer" if event.reporter_is_customer else "third_party"}
        shared = {"name"} if not (event.reporter_is_customer or event.reporter.share_contact_with_insurers) else None
        reporter |= event.reporter.model_dump(
            exclude_none=True, include=shared, exclude={"share_contact_with_insurers"}
        )
        return {
            "insured": insured,
            "object": obj or {"description": event.object_description},
            "reporter": reporter,
            "facts_revision": event.facts_revision,
        }

    def forward_facts(self, event: RiskEvent) -> None:
        """Tells every insurer already filed with that the customer's event learned facts (the fan-out sends the
        latest to each, once per revision). A failure is logged: the next facts forward again."""
        if event.role != "customer":
            return
        try:
            self.dispatcher.forward_facts(event.risk_event_id, event.facts_revision)
        except Exception:
            log.warning("facts of risk event %s not forwarded", event.risk_event_id, exc_info=True)

    def publish(self, event: RiskEvent, kind: str) -> None:
        try:
            self.publisher.publish(
                event.risk_event_id,
                {
                    "type": kind,
                    "risk_event_id": event.risk_event_id,
                    "facts": event.facts,
                    "guidance": [g.model_dump() for g in event.guidance],
                    "updated_at": event.updated_at,
                },
            )
        except Exception:  # a live push must never fail a recorded change
            log.warning("live publish failed for %s", event.risk_event_id, exc_info=True)

    def update_customer_event(
        self, risk_event_id: str, change: Callable[[RiskEvent], dict[str, Any] | None], kind: str
    ) -> None:
        """Applies `change` (the fields to update, or None when there is nothing to do) to the stored event with
        optimistic locking, and tells its live subscribers (`kind`)."""
        for _ in range(SAVE_ATTEMPTS):
            found = self.events.get(risk_event_id)
            fields = change(found[0]) if found is not None else None
            if found is None or fields is None:
                return
            event, version = found
            updated = event.model_copy(update={**fields, "updated_at": now_rfc3339()})
            if self.events.save(updated, version):
                self.publish(updated, kind)
                return
        raise Conflict("The customer's risk event is being updated concurrently; retry shortly.")

    def _merge_facts(self, risk_event_id: str, update: Facts) -> tuple[RiskEvent, RiskEvent] | None:
        """(before, after) of merging `update` into the event, with optimistic locking; None if it is gone."""
        for _ in range(SAVE_ATTEMPTS):
            found = self.events.get(risk_event_id)
            if found is None:
                return None
            before, version = found
            merged = merge(before.facts, update)
            at = now_rfc3339()
            after = before.model_copy(
                update={
                    "facts": merged,
                    "updated_at": at,
                    "facts_revision": before.facts_revision + 1,
                    "facts_updated_at": at,
                }
            )
            after = after.model_copy(update={"guidance": guidance_for(after)})
            if merged == before.facts:
                return before, before
            if self.events.save(after, version):
                return before, after
        raise Conflict("The risk event is being updated concurrently; retry shortly.")

    def apply_facts(self, risk_event_id: str, update: Facts) -> RiskEvent:
        """Merges facts from the person on site (already authorized as its reporter), re-evaluates guidance,
        pushes the change live, and tells the insurers when the customer's event type becomes known or changes.
        A third party's facts are mirrored onto the customer's event. The updated event."""
        changed = self._merge_facts(risk_event_id, update)
        if changed is None:
            raise NotFound(f"No risk event {risk_event_id}.")
        before, after = changed
        touched = [(before, after)]
        if after.role == "third_party":
            for related in after.related_event_ids:
                mirrored = self._merge_facts(related, update)
                if mirrored is not None:
                    touched.append(mirrored)
        for old, new in touched:
            if new is old:
                continue
            self.publish(new, "facts")
            if new.role == "customer" and event_type_of(old.facts) != event_type_of(new.facts):
                self.dispatch_event(new)
            self.forward_facts(new)
        return after
