"""Risk intake (`insure.risk.events.RiskIntake`) against in-memory fakes: who gets which event from a scan or a web
report, a repeated scan answered with the first event, the limit on reports per incident, the guidance each side
gets, and the incident window on the platform's clock (set by the test, never slept on)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from insure.errors import Conflict, NotFound, RuleViolation
from insure.risk import events as intake_module
from insure.risk.event_models import Location, RiskEvent
from insure.risk.events import IncidentFull, RiskIntake
from insure.risk.facts import Facts
from insure.risk.reporters import ReporterIdentity
from tests.unit.fakes_risk import (
    CUSTOMER,
    Clock,
    FakeEvents,
    FakeIdempotency,
    FakeInsurers,
    FakeTags,
    FakeTokens,
    RecordedUpdates,
    insurer,
    tag,
)

WHERE = Location(lat=40.7128, lon=-74.006, accuracy_m=8.5, method="gps")
OWNER = ReporterIdentity(name="Ada Lovelace", phone=CUSTOMER.phone)
FINDER = ReporterIdentity(name="Fran Finder", phone="+13125550177")


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.events = FakeEvents()
        self.tags = FakeTags(tag("tag-1", "ins_a", "ins_b"), tag("tag-2", "ins_a"))
        self.updates = RecordedUpdates(self.events)
        self.told: list[RiskEvent] = []
        self.slept: list[float] = []

        def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.clock.sleep(seconds)

        self.intake = RiskIntake(
            events=self.events,
            tags=self.tags,
            insurers=FakeInsurers(insurer("ins_a", "Acme Mutual", 48), insurer("ins_b", "Bolt Insurance", 24)),
            tokens=FakeTokens(),
            updates=self.updates,
            tell_owner=self.told.append,
            idempotency=FakeIdempotency(),
            clock=self.clock,
            sleep=sleep,
        )

    def scan(self, scan_id: str, reporter: ReporterIdentity | None, *, message_id: str | None = None, **kw: Any):
        return self.intake.open_from_scan(
            scan_id=scan_id,
            tag_id=kw.get("tag_id", "tag-1"),
            device_id=kw.get("device_id", "dev_1"),
            scanned_at=datetime(2027, 1, 15, 7, 0, tzinfo=UTC),
            location=WHERE,
            reporter=reporter,
            message_id=message_id or f"msg_{scan_id}",
        )

    def event(self, risk_event_id: str) -> RiskEvent:
        found = self.events.get(risk_event_id)
        assert found is not None
        return found[0]


@pytest.fixture
def world() -> World:
    return World()


def test_the_customers_scan_opens_one_event_filed_with_every_insurer(world):
    opened = world.scan("scan-1", OWNER)
    event = world.event(opened.risk_event_id)
    # One event, the customer's, readable with its token, every insurer of the tag with its deadline
    assert (event.role, event.reporter_is_customer, event.related_event_ids) == ("customer", True, [])
    assert opened.reporter_token == f"rt_{opened.risk_event_id}"
    assert world.events.event_of_token(f"hash:{opened.risk_event_id}") == opened.risk_event_id
    assert [(d.insurer_id, d.reporting_deadline_hours) for d in event.deadlines()] == [("ins_a", 48), ("ins_b", 24)]
    # Filed once, the owner not messaged (they reported it), and the tag's incident is this event
    assert [e.risk_event_id for e in world.updates.dispatched] == [opened.risk_event_id]
    assert world.told == []
    assert world.events.open_incident("tag-1", int(world.clock())) == opened.risk_event_id


def test_a_third_partys_scan_opens_their_event_and_the_owners_only_the_owners_is_filed(world):
    opened = world.scan("scan-1", FINDER)
    own = world.event(opened.risk_event_id)
    (owner_id,) = own.related_event_ids
    owners = world.event(owner_id)
    assert (own.role, own.policies, own.insurer_deadlines) == ("third_party", [], [])
    assert (owners.role, owners.related_event_ids) == ("customer", [own.risk_event_id])
    assert [r.reporter.name for r in owners.reports] == ["Fran Finder"]
    # The owner is told of the report; only the owner's event is the claim
    assert [e.risk_event_id for e in world.told] == [own.risk_event_id]
    assert [e.risk_event_id for e in world.updates.dispatched] == [owner_id]
    # Each side gets its own guidance
    assert {g.rule_id for g in own.guidance} != {g.rule_id for g in owners.guidance}


def test_a_repeated_scan_returns_the_first_event_and_opens_nothing_new(world):
    first = world.scan("scan-1", FINDER)
    written = world.events.writes
    # The same message delivered again, and the same scan id under a new message id
    again = world.scan("scan-1", FINDER)
    renumbered = world.scan("scan-1", FINDER, message_id="msg_other")
    assert again == renumbered == first
    assert world.events.writes == written == 2
    # Re-dispatched (a no-op on the fan-out side for insurers already told), still one report on the owner's event
    owner_id = world.event(first.risk_event_id).related_event_ids[0]
    assert [r.risk_event_id for r in world.event(owner_id).reports] == [first.risk_event_id]
    # Another scanner numbering its scans alike opens its own events
    other = world.scan("scan-1", FINDER, device_id="dev_2")
    assert other.risk_event_id != first.risk_event_id


def test_a_scan_whose_first_delivery_is_still_in_flight_waits_on_the_clock_then_asks_for_a_retry(world):
    # Given a first delivery that claimed the message but not yet the scan
    assert world.events.claim_message("dev_1", "msg_scan-1", "scan-1")
    before = world.clock()
    with pytest.raises(Conflict):
        world.scan("scan-1", FINDER)
    # It waited on the injected clock (never the wall clock), a bounded number of steps
    assert len(world.slept) == intake_module.REPLAY_WAIT_STEPS
    assert world.clock() == pytest.approx(before + intake_module.REPLAY_WAIT_STEPS * intake_module.REPLAY_WAIT_S)
    assert world.events.writes == 0


def test_later_reports_join_the_open_incident_until_its_window_ends(world):
    first = world.scan("scan-1", FINDER)
    owner_id = world.event(first.risk_event_id).related_event_ids[0]
    # A second passer-by within the window joins the owner's event
    second = world.scan("scan-2", ReporterIdentity(name="Passer Two"))
    assert world.event(second.risk_event_id).related_event_ids == [owner_id]
    assert (owner_id, "third_party_report") in world.updates.changed
    # A day later, the incident is closed: a new report opens a new owner's event
    world.clock.now += 24 * 3600
    third = world.scan("scan-3", ReporterIdentity(name="Passer Three"))
    assert world.event(third.risk_event_id).related_event_ids != [owner_id]


def test_an_incident_holding_the_most_reports_refuses_another_before_writing_anything(world, monkeypatch):
    monkeypatch.setattr(intake_module, "MAX_REPORTS", 1)
    first = world.scan("scan-1", FINDER)
    written, scans = world.events.writes, dict(world.events.scans)
    with pytest.raises(IncidentFull) as refused:
        world.scan("scan-2", ReporterIdentity(name="Passer Two"))
    assert refused.value.status == 409
    with pytest.raises(IncidentFull):
        world.intake.open_from_web(
            tag_id="tag-1",
            policy_number=None,
            reporter=ReporterIdentity(name="Passer Three"),
            location=None,
            occurred_at=None,
            facts=None,
            idempotency_key=None,
            payload={},
        )
    assert (world.events.writes, world.events.scans) == (written, scans)
    # The first report is still answered as before
    assert world.scan("scan-1", FINDER) == first


def test_a_web_report_with_facts_gets_guidance_from_them_and_runs_once_per_key(world):
    def report(key: str | None) -> Any:
        return world.intake.open_from_web(
            tag_id=None,
            policy_number="POL-ins_b",
            reporter=OWNER,
            location=WHERE,
            occurred_at=None,
            facts=Facts(event_type="fire", people_trapped=True),
            idempotency_key=key,
            payload={"n": 1},
        )

    opened = report("key-1")
    assert report("key-1") == opened
    event = world.event(opened.risk_event_id)
    assert event.tag_id == "tag-1" and event.facts["event_type"] == "fire"
    assert event.guidance[0].rule_id == "call-911"
    assert event.occurred_at == "2027-01-15T08:00:00Z"  # the platform's clock (1_800_000_000 s)
    assert world.events.writes == 1


def test_web_reports_name_a_known_object(world):
    def report(**where: Any) -> Any:
        return world.intake.open_from_web(
            **{"tag_id": None, "policy_number": None, **where},
            reporter=OWNER,
            location=None,
            occurred_at=None,
            facts=None,
            idempotency_key=None,
            payload={},
        )

    with pytest.raises(NotFound):
        report(tag_id="tag-unknown")
    with pytest.raises(NotFound):
        report(policy_number="POL-nobody")
    with pytest.raises(RuleViolation) as several:
        report(policy_number="POL-ins_a")  # on both tags
    assert [e.field for e in several.value.errors] == ["policy_number"]
