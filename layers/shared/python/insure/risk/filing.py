"""The insurer fan-out worker: what happens to insurer-requests messages, one batch at a time.

`file`: file the claim with the insurer through the connector, then record the first answer (claim reference,
status, the salesperson's notification, and poll_seq 1 to start polling) in one conditional write. `poll` (the
n-th): ask the insurer for the claim's progress, apply it (never backwards), and continue with poll n+1 after
`DelaySeconds` until a final status (paid, denied, closed) — reached by a poll or by a webhook.

Each record is handled on its own (`handle`), the batch's records concurrently (`insure.risk.batches`); what they
produce is completed (`complete`) as the records finish: those finishing together at once (the live pushes grouped
per event, the next polls sent in batches of ten), a slower one on its own when it is done, so one slow or hanging
insurer delays no other. A poll that cannot be queued puts its poll_seq back and fails its record, so SQS delivers
it again.

Idempotent per message, whatever the delivery count or order: one claim per (event, insurer) reaches the insurer,
also one that ignores idempotency keys. Before it POSTs, a delivery takes the insurer's filing slot with a
conditional write (none recorded, no other lease running); a duplicate finding the slot held waits for that answer
instead of POSTing, and one finding the answer recorded POSTs nothing. A filing whose call failed gives the slot
back at once; one that died mid-way is taken over when its lease lapses (the repeat carries the same idempotency
key). The first answer is recorded once (the write is conditional on none being recorded), and a poll chain
continues only from the delivery that advances the item's `poll_seq` from n to n+1 (a duplicate finds n+1 and
stops). A redelivered `file` whose answer is recorded but whose first poll never went out starts it then.

Failures: `InsurerUnavailable` propagates so the batch reports the record as failed and SQS delivers it again; on
the delivery whose `ApproximateReceiveCount` reaches the queue's maxReceiveCount, the insurer is first marked
`unreachable` (if it never answered) and the record then fails one last time and moves to the dead-letter queue. A
permanent refusal (`InsurerRejected`) or an unregistered insurer is marked unreachable at once and not retried."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from insure import metrics, timestamps
from insure.errors import TransientError
from insure.risk.connector import ClaimFiling, InsurerConnector, InsurerRejected, InsurerUnavailable
from insure.risk.fanout import InsurerRequest
from insure.risk.fresh_reads import FreshReads
from insure.risk.insurers import Insurer
from insure.risk.progress import FINAL, InsurerProgress, ProgressEntry, now_rfc3339, progress_message

if TYPE_CHECKING:
    from insure.risk.ports import EventStore, ProgressStore
    from insure.risk.progress import ProgressService
    from insure.risk.progress_models import ProgressState
    from insure.risk.status_notices import StatusNotices

log = logging.getLogger(__name__)

INSURER_CACHE_S = 60.0
FILING_WAIT_S = 0.1


class FilingInProgress(TransientError):
    """Another delivery holds the insurer's filing slot and is still within its lease: try again later."""


@dataclass
class Outcome:
    """What handling one record produced: changes to push live, and the next poll to queue (if any)."""

    changes: list[tuple[str, InsurerProgress]] = field(default_factory=list)
    poll: InsurerRequest | None = None
    salespeople: list[tuple[Any, str]] = field(default_factory=list)  # (SalespersonNotification, insurer name)
    told: list[Any] = field(default_factory=list)  # StatusChange: the customer is told of these


class FilingWorker:
    """Handles insurer-requests messages; collaborators are injected by the composition root (tests pass fakes):
    the progress items (`store`) and the logic over them (`progress`: statuses applied, never backwards), the
    events (their latest facts), the customer's status notices, the connector and the queue."""

    def __init__(
        self,
        *,
        store: ProgressStore,
        progress: ProgressService,
        events: EventStore,
        notices: StatusNotices,
        connector: InsurerConnector,
        insurers: Callable[[str], Insurer | None],
        send: Callable[[list[InsurerRequest], int], list[InsurerRequest]],
        publish: Callable[[str, list[dict[str, Any]]], None],
        poll_interval_s: int,
        max_receive_count: int,
        filing_lease_s: float = 30.0,
        clock: Callable[[], float] = timestamps.epoch,
        sleep: Callable[[float], None] = time.sleep,
        notify_batch: Callable[[list[dict[str, Any]]], int] | None = None,
        enqueue: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store, self.progress, self.events, self.notices = store, progress, events, notices
        self.connector, self._insurers, self.send, self.publish = connector, insurers, send, publish
        self.poll_interval_s, self.max_receive_count = poll_interval_s, max_receive_count
        self.filing_lease_s, self.clock, self.sleep = filing_lease_s, clock, sleep
        if notify_batch is None:
            from insure.notifications.port import send_batch

            notify_batch = send_batch
        self.notify_batch = notify_batch
        if enqueue is None:
            from insure.notifications.port import _send_to_queue

            enqueue = _send_to_queue
        self.enqueue = enqueue  # one message (a salesperson's notice resent on a redelivered filing)
        self._cache: dict[str, tuple[float, Insurer]] = {}
        self._lock = threading.Lock()
        # The event as it is now, after a record's write: records finishing together share one read (see
        # `insure.risk.fresh_reads`), each still seeing every fact written before it asked.
        self.events_now = FreshReads(events.get)

    def insurer(self, insurer_id: str) -> Insurer | None:
        """The insurer, cached for a minute in the execution environment (its URL and secrets rarely change)."""
        with self._lock:
            cached = self._cache.get(insurer_id)
        if cached and time.monotonic() - cached[0] < INSURER_CACHE_S:
            return cached[1]
        found = self._insurers(insurer_id)
        if found is not None:
            with self._lock:
                self._cache[insurer_id] = (time.monotonic(), found)
        return found

    # one record ------------------------------------------------------------------------------------------------
    def handle(self, message: InsurerRequest, receive_count: int = 1) -> Outcome:
        outcome = Outcome()
        insurer = self.insurer(message.insurer_id)
        if insurer is None:
            self._unreachable(outcome, message, "The insurer is not registered.")
            return outcome
        try:
            if message.kind == "file":
                self._file(insurer, message, outcome)
            elif message.kind == "facts":
                self._facts(insurer, message, outcome)
            else:
                self._poll(insurer, message, outcome)
        except InsurerUnavailable as error:
            if receive_count >= self.max_receive_count:
                note = f"No answer after {receive_count} attempts ({error})."
                log.warning("insurer unreachable", extra={"insurer_id": insurer.insurer_id, "note": note})
                self._unreachable(outcome, message, note)
                self.complete([("", outcome)])  # pushed now: the record fails and leaves for the dead-letter queue
            raise
        except InsurerRejected as error:
            log.warning("insurer refused", extra={"insurer_id": insurer.insurer_id, "error": str(error)})
            self._unreachable(outcome, message, f"The insurer refused the claim: {error}")
        return outcome

    def _unreachable(self, outcome: Outcome, message: InsurerRequest, note: str) -> None:
        changed = self.progress.mark_unreachable(message.risk_event_id, message.insurer_id, note, publish=False)
        if changed is not None:
            outcome.changes.append((message.risk_event_id, changed))

    def _file(self, insurer: Insurer, message: InsurerRequest, outcome: Outcome) -> None:
        from insure.risk.notifications import log_sent, notification_for, send_recorded
        from insure.risk.status_notices import StatusChange

        repo = self.store
        holder = uuid.uuid4().hex
        took_slot, answered = self._filing_slot(message, holder)
        if not took_slot:
            if answered is not None:
                send_recorded(answered, insurer.name, enqueue=self.enqueue)
            self._resume_polling(message, answered, outcome)
            return
        try:
            filed = self.connector.file_claim(
                insurer,
                ClaimFiling(
                    risk_event_id=message.risk_event_id,
                    policy_number=message.policy_number,
                    event_type=message.event_type,
                    facts=message.facts,
                    occurred_at=message.occurred_at,
                    location=message.location,
                    insured=message.insured,
                    object=message.object,
                    reporter=message.reporter,
                ),
            )
        except BaseException:
            repo.release_filing(message.risk_event_id, message.insurer_id, holder)
            raise
        at = now_rfc3339()
        notification = notification_for(
            insurer,
            risk_event_id=message.risk_event_id,
            claim_reference=filed.claim_reference,
            policy_number=message.policy_number,
            at=at,
        )
        recorded = repo.record_first_response(
            message.risk_event_id,
            insurer.insurer_id,
            filed.claim_reference,
            ProgressEntry(status=filed.status, updated_at=at, note="Claim filed", source="connector"),
            arm_poll=filed.status not in FINAL,
            notification=notification.model_dump(mode="json"),
            facts_revision=message.facts_revision,
        )
        if recorded is not None:
            metrics.count(metrics.CLAIMS_FILED)
            log_sent(notification)
            outcome.salespeople.append((notification, insurer.name))
            outcome.told.append(
                StatusChange(
                    message.risk_event_id, insurer.insurer_id, recorded.status, recorded.claim_reference, "Claim filed"
                )
            )
            outcome.changes.append((message.risk_event_id, recorded))
            if not recorded.final and filed.status not in FINAL:
                outcome.poll = self._next_poll(message, filed.claim_reference, 1)
            self._latest_facts(insurer, message.risk_event_id, filed.claim_reference, message.facts_revision, outcome)
            return
        stored = repo.state(message.risk_event_id, insurer.insurer_id)
        if stored is not None:
            send_recorded(stored, insurer.name, enqueue=self.enqueue)
            self._resume_polling(message, stored, outcome)
            self._facts_of_stored(insurer, message, stored, outcome)

    def _filing_slot(self, message: InsurerRequest, holder: str) -> tuple[bool, ProgressState | None]:
        """Takes the insurer's filing slot ((True, None): this delivery may POST the claim), or returns (False, the
        stored progress) once the claim's first answer is recorded ((False, None) with no progress). While another
        delivery holds the slot it waits for that answer, at most one lease: a holder that died mid-way is taken over
        when its lease lapses; if it is still alive then, `FilingInProgress` sends this delivery back to the queue."""
        repo = self.store
        deadline = self.clock() + self.filing_lease_s + 1.0  # any lease running now has lapsed by then
        while True:
            now = self.clock()
            if repo.claim_filing(
                message.risk_event_id, message.insurer_id, holder, now=now, until=now + self.filing_lease_s
            ):
                return True, None
            stored = repo.state(message.risk_event_id, message.insurer_id)
            if stored is None or stored.answered:
                return False, stored
            if now >= deadline:
                raise FilingInProgress(f"{message.insurer_id}: another delivery is filing this claim")
            self.sleep(FILING_WAIT_S)

    def _resume_polling(self, message: InsurerRequest, stored: ProgressState | None, outcome: Outcome) -> None:
        """The claim's answer was recorded by an earlier delivery: make sure its poll chain started (its first
        poll may not have gone out)."""
        if stored is None:
            log.warning("no progress entry for %s/%s", message.risk_event_id, message.insurer_id)
            return
        # The first answer records the claim reference and poll_seq together, so an unpolled chain has both.
        reference = stored.claim_reference
        unpolled = stored.poll_seq == 0 and stored.status not in FINAL
        if unpolled and reference is not None and self.store.advance_poll(message.risk_event_id, message.insurer_id, 0):
            outcome.poll = self._next_poll(message, reference, 1)

    # facts learned after filing ------------------------------------------------------------------------------------
    def _facts(self, insurer: Insurer, message: InsurerRequest, outcome: Outcome) -> None:
        """A `facts` message: the insurer gets the event's latest facts unless it has them already (a duplicate or
        stale message sends nothing)."""
        stored = self.store.state(message.risk_event_id, insurer.insurer_id)
        if stored is not None:
            self._facts_of_stored(insurer, message, stored, outcome)

    def _facts_of_stored(
        self, insurer: Insurer, message: InsurerRequest, stored: ProgressState, outcome: Outcome
    ) -> None:
        reference = stored.claim_reference
        if not reference or not stored.answered:
            return  # not filed yet: the filing's first answer brings the insurer up to date
        delivered = stored.facts_delivered if stored.facts_delivered is not None else -1
        self._latest_facts(insurer, message.risk_event_id, reference, delivered, outcome)

    def _latest_facts(
        self, insurer: Insurer, risk_event_id: str, claim_reference: str, delivered: int, outcome: Outcome
    ) -> None:
        """Sends the insurer the event's current facts if they are newer than revision `delivered`, with a
        `webhook-id` per (event, insurer, revision) so a retried delivery is applied once; records it."""
        from insure.risk.connector import FactsUpdate

        found = self.events_now.get(risk_event_id)
        if found is None or found[0].facts_revision <= delivered:
            return
        event = found[0]
        self.connector.send_facts(
            insurer,
            claim_reference,
            FactsUpdate(
                risk_event_id=risk_event_id, facts=event.facts, updated_at=event.facts_updated_at or event.updated_at
            ),
            message_id=f"facts_{risk_event_id}_{insurer.insurer_id}_{event.facts_revision}",
        )
        noted = self.store.note_facts_delivered(risk_event_id, insurer.insurer_id, event.facts_revision, now_rfc3339())
        if noted is not None:
            outcome.changes.append((risk_event_id, noted))

    def _poll(self, insurer: Insurer, message: InsurerRequest, outcome: Outcome) -> None:
        repo = self.store
        stored = repo.state(message.risk_event_id, insurer.insurer_id)
        if stored is None or stored.status in FINAL:
            return
        if stored.poll_seq != message.poll_seq:
            return  # a duplicate or stale delivery: another delivery continues this chain
        reference = message.claim_reference or stored.claim_reference
        if reference is None:
            return  # never so: a poll chain starts with the first answer, which records the claim reference
        answer = self.connector.claim_progress(insurer, reference)
        changed = self.progress.apply_update(
            message.risk_event_id,
            insurer.insurer_id,
            answer.status,
            updated_at=answer.updated_at,
            note=answer.note,
            source="poll",
            claim_reference=reference,
            publish=False,
            tell_customer=False,
        )
        if changed is not None:
            from insure.risk.status_notices import StatusChange

            outcome.changes.append((message.risk_event_id, changed))
            outcome.told.append(
                StatusChange(message.risk_event_id, insurer.insurer_id, changed.status, reference, answer.note)
            )
        if answer.status in FINAL or (changed is not None and changed.final):
            return
        if repo.advance_poll(message.risk_event_id, insurer.insurer_id, message.poll_seq):
            outcome.poll = self._next_poll(message, reference, message.poll_seq + 1)

    @staticmethod
    def _next_poll(message: InsurerRequest, claim_reference: str, seq: int) -> InsurerRequest:
        return message.model_copy(update={"kind": "poll", "claim_reference": claim_reference, "poll_seq": seq})

    # one batch -------------------------------------------------------------------------------------------------
    def _notify(self, outcomes: list[tuple[str, Outcome]]) -> None:
        """Queues the messages the records finishing together produced (salespeople told of their claims, the
        customer of each new status), ten per queue call, each event's customer looked up once. Keyed, so a
        redelivered record queues nothing twice; a failure is logged (the recorded changes stand)."""
        sales = [s for _, o in outcomes for s in o.salespeople]
        told = [t for _, o in outcomes for t in o.told]
        if not sales and not told:
            return
        from insure.risk import notifications

        try:
            messages = [m for n, name in sales if (m := notifications.message_for(n, name)) is not None]

            def name_of(insurer_id: str) -> str:
                found = self.insurer(insurer_id)
                return found.name if found is not None else "Your insurer"

            messages += self.notices.messages_for(told, name_of)
            failed = self.notify_batch(messages) if messages else 0
        except Exception:
            log.warning("notifications of a fan-out batch not queued", exc_info=True)
            return
        if failed:
            log.warning("%d notifications of a fan-out batch not queued", failed)

    def complete(self, outcomes: list[tuple[str, Outcome]]) -> set[str]:
        """Pushes the batch's changes live (once per event) and queues its next polls; returns the ids of records
        whose poll could not be queued (their poll_seq is put back, so their redelivery queues it)."""
        by_event: dict[str, list[dict[str, Any]]] = {}
        for _, outcome in outcomes:
            for risk_event_id, change in outcome.changes:
                insurer = self.insurer(change.insurer_id)
                name = insurer.name if insurer is not None else None
                by_event.setdefault(risk_event_id, []).append(progress_message(risk_event_id, change, name))
        for risk_event_id, payloads in by_event.items():
            try:
                self.publish(risk_event_id, payloads)
            except Exception:  # a live push must never fail recorded changes
                log.warning("live publish failed for %s", risk_event_id, exc_info=True)
        self._notify(outcomes)
        polls = [(record_id, o.poll) for record_id, o in outcomes if o.poll is not None]
        if not polls:
            return set()
        try:
            accepted = {id(m) for m in self.send([poll for _, poll in polls], self.poll_interval_s)}
        except Exception:
            log.warning("polls not queued", exc_info=True)
            accepted = set()
        failed: set[str] = set()
        for record_id, poll in polls:
            if id(poll) not in accepted:
                self.store.advance_poll(poll.risk_event_id, poll.insurer_id, poll.poll_seq - 1, back=True)
                failed.add(record_id)
        return failed
