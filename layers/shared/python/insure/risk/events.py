"""Risk events: opened by a signed scan or a web report, read by the reporter, updated with facts.

Who gets what. The reporter is compared with the customer's private information (`insure.risk.reporters`).
- The customer reporting opens ONE event (role `customer`, `related_event_ids` empty).
- A third party (or an anonymous scan) opens TWO linked events: their own (role `third_party`, returned to them,
  third-party guidance, no insurer details: the customer's claims are not theirs to see) and the customer's
  (role `customer`, recording who reported and where in `reports`); each lists the other in `related_event_ids`.
Only the customer's event is fanned out to the insurers (`insure.risk.fanout.Dispatcher`): it is the claim, and
filing from the third party's event would file the same loss twice. Facts the third party sends land on their
own event and are mirrored onto the customer's, since the person on site is the insurers' best witness.

One incident per object. The customer's event stays the tag's open incident for 24 hours
(`pk = TAGINCIDENT#<tag_id>`, `sk = OPEN`): later reports on the same object join it instead of filing the same
loss again: a third party gets their own event linked to it (and it records their report), the customer gets
it directly (when a third party opened it, it then names the customer as its reporter, at the customer's
location; the third party's report stays in `reports`), and facts sent with a web report are merged into it.

Dispatch. Every insurer is contacted when the event opens, with the event type known then (often `unknown` for a
scan). `dispatch` is called again whenever the customer's event type changes (first known, or changed), and on
every repeated delivery of the same scan, so a dispatch that failed half-way is completed by the scanner's retry;
the fan-out side is idempotent per (event, insurer), so none of these files a second claim. (Today the fan-out
sends nothing on a re-dispatch for an insurer already queued, as the connector has no facts-update call: a type
learned later stays on the event and its guidance; a re-dispatch is where such an update would plug in.)

Duplicates, per scanner. A scan's events have ids derived from its scanner and `scan_id`. Intake claims the
signed message id (`SCANMSG#<device_id>#<webhook-id>`), then the scan id (`SCAN#<device_id>#<scan_id>`, holding the
events it opens), each with a conditional put, then writes the events: a repeated `webhook-id` or `scan_id` from the
same scanner (also concurrently) returns the event the first one opened, and completes that intake if it was
interrupted; two scanners numbering their scans alike, or reusing a `webhook-id`, never meet. Web reports with an
`Idempotency-Key` are run once (the `Idempotency` port: Powertools idempotency in AWS).

Modules. This one is the intake (`RiskIntake`: opening events from scans and web reports), over ports
(`insure.risk.ports`) the composition root hands in. The models are in `insure.risk.event_models`, reporter tokens
in `insure.risk.reporter_tokens`, the DynamoDB items in `insure.risk.event_repository` (the only code knowing
them), later changes (facts, dispatch, live pushes) in `insure.risk.event_updates`, and the reporter's view in
`insure.risk.event_views`; what a report opens (`build_events`) in `insure.risk.event_building`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.errors import Conflict, FieldError, NotFound, RuleViolation
from insure.risk.event_building import build_events, derived_id
from insure.risk.event_models import Location, Opened, RiskEvent, ThirdPartyReport
from insure.risk.facts import Facts, merge
from insure.risk.reporters import ReporterIdentity
from insure.risk.tags import Tag

if TYPE_CHECKING:
    from insure.risk.ports import Clock, EventStore, Idempotency, InsurerLookup, TagDirectory, Tokens, Updates

log = logging.getLogger(__name__)

REPLAY_WAIT_STEPS = 50
REPLAY_WAIT_S = 0.02
MAX_REPORTS = 50
# Reports racing past MAX_REPORTS (each checked it before the others were recorded) are still recorded, up to this
# many more; beyond, the report is refused, never acknowledged and dropped.
REPORTS_RACE_MARGIN = 20


class IncidentFull(Conflict):
    """The incident already holds as many reports by others as it keeps: a new one is refused before anything
    is written (never acknowledged and then dropped)."""


def _full() -> str:
    return f"This incident already holds {MAX_REPORTS} reports by others; no further report on it is taken."


def _refuse_if_full(events: list[RiskEvent], incident: RiskEvent | None) -> None:
    """Refuses a new third party's report on an incident that holds MAX_REPORTS reports already."""
    if incident is not None and any(e.role == "third_party" for e in events) and len(incident.reports) >= MAX_REPORTS:
        raise IncidentFull(_full())


class RiskIntake:
    """Opens risk events from verified scans and web reports (see the module docstring). `tell_owner` queues the
    owner's messages about a third party's report; `clock` is the platform's clock, `sleep` waits (a repeated
    scan waits for the first delivery's claim)."""

    def __init__(
        self,
        *,
        events: EventStore,
        tags: TagDirectory,
        insurers: InsurerLookup,
        tokens: Tokens,
        updates: Updates,
        tell_owner: Callable[[RiskEvent], Any],
        idempotency: Idempotency,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.events, self.tags, self.insurers, self.tokens, self.updates = events, tags, insurers, tokens, updates
        self.tell_owner, self.idempotency, self.clock, self.sleep = tell_owner, idempotency, clock, sleep

    # what the intake reads ---------------------------------------------------------------------------------------
    def deadlines(self, tag: Tag) -> list[dict[str, Any]]:
        """Each insurer's reporting deadline: the tag's snapshot, else the registry's (older tags)."""
        if tag.insurers:
            return [snapshot.model_dump() for snapshot in tag.insurers]
        deadlines: list[dict[str, Any]] = []
        for insurer_id in dict.fromkeys(p.insurer_id for p in tag.policies):
            insurer = self.insurers.get(insurer_id)
            if insurer is not None:
                deadlines.append(
                    {
                        "insurer_id": insurer.insurer_id,
                        "name": insurer.name,
                        "reporting_deadline_hours": insurer.reporting_deadline_hours,
                    }
                )
        return deadlines

    def _opened(self, risk_event_id: str) -> Opened:
        return Opened(risk_event_id=risk_event_id, reporter_token=self.tokens.token(risk_event_id))

    def _now_epoch(self) -> int:
        return int(self.clock())

    def _open_incident(self, tag_id: str) -> RiskEvent | None:
        risk_event_id = self.events.open_incident(tag_id, self._now_epoch())
        found = self.events.get(risk_event_id) if risk_event_id else None
        return found[0] if found and found[0].role == "customer" else None

    def _tag_or_404(self, tag_id: str) -> Tag:
        tag = self.tags.get(tag_id)
        if tag is None:
            raise NotFound(f"No tag {tag_id}.")
        return tag

    def write(self, events: list[RiskEvent]) -> None:
        """Writes the events and their reporter-token items (safe to repeat)."""
        self.events.write_events(events, [self.tokens.hash_of(e.risk_event_id) for e in events])

    # after the events are written --------------------------------------------------------------------------------
    def _attach(self, customer_id: str, own: RiskEvent) -> None:
        """Records a third party's report on the customer's open event (once) and tells its live subscribers."""
        report = ThirdPartyReport(
            risk_event_id=own.risk_event_id,
            reporter=own.reporter,
            location=own.location,
            reported_at=own.created_at,
            source=own.source,
        )

        def with_report(event: RiskEvent) -> dict[str, Any] | None:
            if own.risk_event_id in event.related_event_ids:
                return None
            if len(event.reports) >= MAX_REPORTS + REPORTS_RACE_MARGIN:  # the item stays small
                raise IncidentFull(_full())
            return {
                "related_event_ids": [*event.related_event_ids, own.risk_event_id],
                "reports": [*event.reports, report],
            }

        self.updates.update_customer_event(customer_id, with_report, "third_party_report")

    def _customer_on_site(self, reported: RiskEvent) -> None:
        """The customer reports on their open incident that a third party opened: the event now names the customer
        as its reporter, at the customer's location (the third party's report stays in `reports`); once."""

        def with_customer(event: RiskEvent) -> dict[str, Any] | None:
            if event.reporter_is_customer:
                return None
            return {
                "reporter": reported.reporter,
                "reporter_is_customer": True,
                "location": reported.location or event.location,
            }

        self.updates.update_customer_event(reported.risk_event_id, with_customer, "customer_report")

    def _opened_and_dispatched(self, events: list[RiskEvent]) -> Opened:
        """After the events are written: link a third party's event to an existing customer's event, make a new
        customer's event the tag's open incident, tell the owner about a third party's report, and tell the
        insurers."""
        written = {e.risk_event_id for e in events}
        for event in events:
            if event.role == "third_party":
                for related in event.related_event_ids:
                    if related not in written:
                        self._attach(related, event)
                self.tell_owner(event)
            elif event.role == "customer":
                self.events.claim_incident(event.tag_id, event.risk_event_id, self._now_epoch())
                if event.reporter_is_customer and event.reports:  # possibly an incident a third party opened
                    self._customer_on_site(event)
            self.updates.dispatch_event(event)
        return self._opened(events[0].risk_event_id)

    # scans -------------------------------------------------------------------------------------------------------
    def _replay_scan(self, device_id: str, scan_id: str) -> Opened:
        """The answer to a repeated scan: the first one's events, completed if the first intake was interrupted,
        and re-dispatched (a no-op for insurers already told)."""
        repo = self.events
        events = repo.scan_events(device_id, scan_id)
        for _ in range(REPLAY_WAIT_STEPS):  # the first delivery may have claimed the message a moment ago
            if events is not None:
                break
            self.sleep(REPLAY_WAIT_S)
            events = repo.scan_events(device_id, scan_id)
        if events is None:
            raise Conflict("The same scan is being processed; retry shortly.")
        if repo.get(events[0].risk_event_id) is None or repo.get(events[-1].risk_event_id) is None:
            self.write(events)
        current = [found[0] for found in (repo.get(e.risk_event_id) for e in events) if found is not None]
        return self._opened_and_dispatched(current or events)

    def open_from_scan(
        self,
        *,
        scan_id: str,
        tag_id: str,
        device_id: str,
        scanned_at: datetime,
        location: Location,
        reporter: ReporterIdentity | None,
        message_id: str,
    ) -> Opened:
        """Opens the event(s) of a verified scan; the scanner's repeated `scan_id` or message id returns the first
        event (another scanner's never does). The message id is claimed first, then the scan id (with the events
        it opens), then the events are written: a repeat at any point returns, and completes, the first intake."""
        repo = self.events
        tag = self._tag_or_404(tag_id)
        incident = self._open_incident(tag_id)
        events = build_events(
            tag,
            reporter,
            ids=(
                derived_id("scan", device_id, scan_id, "reporter"),
                derived_id("scan", device_id, scan_id, "customer"),
            ),
            source="scan",
            location=location,
            occurred_at=timestamps.rfc3339(scanned_at),
            facts={},
            deadlines=self.deadlines(tag),
            scan_id=scan_id,
            device_id=device_id,
            incident=incident,
        )
        repeat = repo.scan_of_message(device_id, message_id) or repo.scan_events(device_id, scan_id)
        if not repeat:
            _refuse_if_full(events, incident)
        if not repo.claim_message(device_id, message_id, scan_id):
            return self._replay_scan(device_id, repo.scan_of_message(device_id, message_id) or scan_id)
        if not repo.claim_scan(device_id, scan_id, events):
            return self._replay_scan(device_id, scan_id)
        self.write(events)
        return self._opened_and_dispatched(events)

    # web reports -------------------------------------------------------------------------------------------------
    def open_from_web(
        self,
        *,
        tag_id: str | None,
        policy_number: str | None,
        reporter: ReporterIdentity,
        location: Location | None,
        occurred_at: datetime | None,
        facts: Facts | None,
        idempotency_key: str | None,
        payload: dict[str, Any],
    ) -> Opened:
        """Opens the event(s) of a web report, by tag id or policy number; an `Idempotency-Key` makes it
        once-only."""
        if tag_id is not None:
            tag = self._tag_or_404(tag_id)
        else:
            candidates = self.tags.for_policy(policy_number or "")
            if not candidates:
                raise NotFound(f"No insured object with policy {policy_number}.")
            if len(candidates) > 1:
                raise RuleViolation(
                    "This policy covers several objects.",
                    errors=[FieldError("policy_number", "Several objects carry this policy; send the tag_id instead.")],
                )
            tag = candidates[0]

        def effect() -> dict[str, Any]:
            incident = self._open_incident(tag.tag_id)
            events = build_events(
                tag,
                reporter,
                ids=(f"re_{uuid.uuid4().hex[:24]}", f"re_{uuid.uuid4().hex[:24]}"),
                source="web",
                location=location,
                occurred_at=timestamps.rfc3339(occurred_at or datetime.fromtimestamp(self.clock(), tz=UTC)),
                facts=merge({}, facts) if facts else {},
                deadlines=self.deadlines(tag),
                incident=incident,
            )
            _refuse_if_full(events, incident)
            self.write(events)
            opened = self._opened_and_dispatched(events)
            if incident is not None and facts is not None:  # the open incident learns them as if sent to it
                self.updates.apply_facts(opened.risk_event_id, facts)
            return {"risk_event_id": opened.risk_event_id}

        if idempotency_key:
            result = self.idempotency.run_once("risk-events", idempotency_key, payload, effect)
        else:
            result = effect()
        return self._opened(str(result["risk_event_id"]))
