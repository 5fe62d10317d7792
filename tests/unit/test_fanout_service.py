"""The fan-out (`insure.risk.fanout.Dispatcher` and `insure.risk.filing.FilingWorker`) against in-memory fakes:
every insurer filed with once whatever the deliveries, the first answer recorded once in any order (a webhook
first too), an unreachable insurer, and facts learned later forwarded once per revision."""

from __future__ import annotations

import random
from typing import Any

import pytest

from insure.errors import TransientError
from insure.risk.connector import InsurerRejected, InsurerUnavailable
from insure.risk.event_models import RiskEvent
from insure.risk.fanout import Dispatcher, InsurerRequest
from insure.risk.filing import FilingWorker
from insure.risk.progress import ProgressService
from insure.risk.status_notices import StatusNotices
from tests.unit.fakes_risk import (
    Clock,
    FakeConnector,
    FakeEvents,
    FakeInsurers,
    FakeProgress,
    FakeQueue,
    FakeTags,
    fanout_request,
    insurer,
    tag,
)

INSURERS = ("ins_a", "ins_b", "ins_c")


class Fanout:
    def __init__(self, connector: FakeConnector | None = None, max_receive_count: int = 3) -> None:
        self.clock = Clock()
        self.store, self.queue, self.events = FakeProgress(), FakeQueue(), FakeEvents()
        self.insurers = FakeInsurers(*(insurer(i) for i in INSURERS))
        self.connector = connector or FakeConnector()
        self.published: list[tuple[str, list[dict[str, Any]]]] = []
        self.told: list[tuple[str, str, str]] = []
        self.queued: list[dict[str, Any]] = []
        self.dispatcher = Dispatcher(self.store, self.queue, self.clock)
        self.progress = ProgressService(
            self.store,
            publisher=_Publisher(self.published),
            names=self.insurers.name,
            tell=lambda event_id, insurer_id, status, **_: self.told.append((event_id, insurer_id, status)),
        )
        self.worker = FilingWorker(
            store=self.store,
            progress=self.progress,
            events=self.events,
            notices=StatusNotices(self.events, FakeTags(tag("tag-1", *INSURERS)), self.insurers.name),
            connector=self.connector,  # type: ignore[arg-type]
            insurers=self.insurers.get,
            send=lambda messages, delay: self.queue.send(messages, delay_s=delay),
            publish=lambda event_id, payloads: self.published.append((event_id, payloads)),
            poll_interval_s=60,
            max_receive_count=max_receive_count,
            filing_lease_s=10.0,
            clock=self.clock,
            sleep=self.clock.sleep,
            notify_batch=lambda messages: self.queued.extend(messages) or 0,
            enqueue=self.queued.append,
        )

    def deliver(self, messages: list[InsurerRequest], receive_count: int = 1) -> list[Any]:
        outcomes = [self.worker.handle(m, receive_count) for m in messages]
        self.worker.complete([(str(n), o) for n, o in enumerate(outcomes)])
        return outcomes


class _Publisher:
    def __init__(self, into: list[tuple[str, list[dict[str, Any]]]]) -> None:
        self.into = into

    def publish(self, risk_event_id: str, payload: dict[str, Any]) -> None:
        self.into.append((risk_event_id, [payload]))

    def publish_many(self, risk_event_id: str, payloads: list[dict[str, Any]]) -> None:
        self.into.append((risk_event_id, payloads))


def _statuses(fanout: Fanout, event_id: str) -> dict[str, str]:
    return {p.insurer_id: p.status for p in fanout.store.timeline(event_id)}


def test_every_insurer_is_filed_with_once_whatever_the_deliveries():
    fanout = Fanout()
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    # A re-dispatch (the scanner's retry) before anything was filed sends the filings again: harmless
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    messages = fanout.queue.take()
    assert sorted(m.insurer_id for m in messages) == sorted(INSURERS * 2)
    assert _statuses(fanout, "re_1") == dict.fromkeys(INSURERS, "pending")
    # When every copy is delivered, twice more, in a shuffled order
    copies = messages * 2
    random.Random(7).shuffle(copies)
    fanout.deliver(copies)
    # Then each insurer got exactly one claim, and each started exactly one poll chain
    assert sorted(i for i, _ in fanout.connector.filed) == sorted(INSURERS)
    assert _statuses(fanout, "re_1") == dict.fromkeys(INSURERS, "received")
    polls = fanout.queue.take()
    assert sorted((p.insurer_id, p.poll_seq, p.kind) for p in polls) == [(i, 1, "poll") for i in INSURERS]
    # And a dispatch after the answers sends nothing
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    assert fanout.queue.take() == []


def test_the_first_answer_is_recorded_once_in_any_order_a_webhook_first_included():
    fanout = Fanout()
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    messages = fanout.queue.take()
    # Given ins_b's webhook moved it to assessing before its filing's answer was recorded
    fanout.progress.apply_update("re_1", "ins_b", "assessing", source="webhook", claim_reference="REF-ins_b")
    # When the filings are answered in reverse order
    fanout.deliver(list(reversed(messages)))
    timeline = {p.insurer_id: p for p in fanout.store.timeline("re_1")}
    # Then every first answer is recorded, with its claim reference, and the later status is kept
    assert {i: (p.claim_reference, p.status) for i, p in timeline.items()} == {
        "ins_a": ("REF-ins_a", "received"),
        "ins_b": ("REF-ins_b", "assessing"),
        "ins_c": ("REF-ins_c", "received"),
    }
    assert all(p.first_response_at for p in timeline.values())
    # And each salesperson is told once, the customer once per status reached
    claim_filed = [m for m in fanout.queued if m["template"] == "claim_filed"]
    assert len(claim_filed) == 3
    # When a filing is delivered again, nothing is filed or recorded twice
    fanout.deliver(messages[:1])
    assert len(fanout.connector.filed) == 3


def test_a_duplicate_delivery_waits_for_the_filing_in_flight_on_the_clock():
    fanout = Fanout()
    fanout.dispatcher.dispatch(fanout_request("re_1", "ins_a"))
    (message,) = fanout.queue.take()
    # Given another delivery holds the filing slot and then records its answer while this one waits
    assert fanout.store.claim_filing("re_1", "ins_a", "other", now=fanout.clock(), until=fanout.clock() + 10)
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        fanout.clock.sleep(seconds)
        if len(waited) == 3:  # the other delivery's answer lands
            fanout.store.release_filing("re_1", "ins_a", "other")
            fanout.worker.handle(message)

    fanout.worker.sleep = sleep
    fanout.worker.handle(message)
    assert len(fanout.connector.filed) == 1 and len(waited) == 3


def test_an_unreachable_insurer_is_retried_then_marked_unreachable_and_the_others_proceed():
    fanout = Fanout(FakeConnector(down=frozenset({"ins_b"})), max_receive_count=3)
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    messages = {m.insurer_id: m for m in fanout.queue.take()}
    fanout.deliver([messages["ins_a"], messages["ins_c"]])
    # An attempt before the last fails (SQS delivers it again) and leaves the insurer pending
    for attempt in (1, 2):
        with pytest.raises(InsurerUnavailable):
            fanout.worker.handle(messages["ins_b"], attempt)
        assert _statuses(fanout, "re_1")["ins_b"] == "pending"
    # The last attempt marks it unreachable (pushed live at once), then fails to the dead-letter queue
    with pytest.raises(InsurerUnavailable):
        fanout.worker.handle(messages["ins_b"], 3)
    assert _statuses(fanout, "re_1") == {"ins_a": "received", "ins_b": "unreachable", "ins_c": "received"}
    pushed = [p["insurer"] for _, payloads in fanout.published for p in payloads]
    assert [p["status"] for p in pushed if p["insurer_id"] == "ins_b"] == ["unreachable"]
    # A later answer still wins over unreachable
    fanout.connector.down.clear()
    fanout.deliver([messages["ins_b"]], receive_count=4)
    assert _statuses(fanout, "re_1")["ins_b"] == "received"


def test_a_refusing_or_unregistered_insurer_is_unreachable_at_once():
    class Refusing(FakeConnector):
        def file_claim(self, insurer, filing):
            raise InsurerRejected(f"{insurer.insurer_id}: HTTP 400")

    fanout = Fanout(Refusing())
    fanout.dispatcher.dispatch(fanout_request("re_1", "ins_a", "ins_unknown"))
    fanout.deliver(fanout.queue.take())
    assert _statuses(fanout, "re_1") == {"ins_a": "unreachable", "ins_unknown": "unreachable"}
    assert fanout.queue.take() == []  # no poll of a claim never filed


def test_a_message_sqs_refuses_fails_the_dispatch_so_it_is_retried():
    fanout = Fanout()
    fanout.queue.refuse = {"ins_b"}
    with pytest.raises(TransientError):
        fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    # The retry sends what is still missing: ins_b's filing
    fanout.queue.take()
    fanout.queue.refuse = set()
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    assert [m.insurer_id for m in fanout.queue.take()] == ["ins_a", "ins_b", "ins_c"]  # none answered yet


def _event(revision: int) -> RiskEvent:
    facts = {"event_type": "theft", "police_report_number": "NYPD-1"} if revision else {}
    return RiskEvent.model_validate(
        {
            "risk_event_id": "re_1",
            "role": "customer",
            "source": "scan",
            "tag_id": "tag-1",
            "object_description": "Laptop",
            "occurred_at": "2027-01-15T07:00:00Z",
            "created_at": "2027-01-15T07:00:00Z",
            "updated_at": "2027-01-15T07:30:00Z",
            "facts": facts,
            "facts_revision": revision,
            "reporter": {"name": "Ada Lovelace"},
            "reporter_is_customer": True,
        }
    )


def test_facts_learned_after_filing_are_forwarded_once_per_revision():
    fanout = Fanout()
    fanout.events.write_events([_event(0)], ["h"])
    fanout.dispatcher.dispatch(fanout_request("re_1", *INSURERS))
    fanout.deliver(fanout.queue.take())
    fanout.queue.take()  # the first polls
    assert fanout.connector.facts == []  # filed with the facts of revision 0
    # When the event learns facts (revision 1) and they are forwarded, twice (a retried forward)
    event, version = fanout.events.get("re_1") or (None, 0)
    assert event is not None and fanout.events.save(_event(1), version)
    fanout.dispatcher.forward_facts("re_1", 1)
    fanout.dispatcher.forward_facts("re_1", 1)
    forwarded = fanout.queue.take()
    assert sorted((m.kind, m.insurer_id) for m in forwarded) == sorted(("facts", i) for i in INSURERS * 2)
    fanout.deliver(forwarded)
    # Then each insurer received the latest facts once, under a message id naming the revision
    assert sorted((i, ref, mid) for i, ref, _, mid in fanout.connector.facts) == [
        (i, f"REF-{i}", f"facts_re_1_{i}_1") for i in INSURERS
    ]
    assert all(u.facts["police_report_number"] == "NYPD-1" for _, _, u, _ in fanout.connector.facts)
    assert {p.facts_revision_delivered for p in fanout.store.timeline("re_1")} == {1}
