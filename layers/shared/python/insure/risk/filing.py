"""The insurer fan-out worker: what happens to one insurer-requests message.

`file`: file the claim with the insurer through the connector, record its first response (claim reference and
status) once, notify the insurer's salesperson once, and start polling. `poll` (the n-th): ask the insurer for
the claim's progress, apply it (never backwards), and schedule poll n+1 with `DelaySeconds` until a final status
(paid, denied, closed) — reached by a poll or by a webhook.

Idempotent per message, whatever the delivery count or order: a claim is recorded once (conditional write on the
first response; the insurer also gets the same idempotency key every time), and a poll chain continues only from
the delivery that advances the item's `poll_seq` from n to n+1 (a duplicate finds n+1 and stops).

Failures: `InsurerUnavailable` propagates so the batch reports the record as failed and SQS delivers it again; on
the delivery whose `ApproximateReceiveCount` reaches the queue's maxReceiveCount, the insurer is first marked
`unreachable` (if it never answered) and the record then fails one last time and moves to the dead-letter queue.
A permanent refusal (`InsurerRejected`) or an unregistered insurer is marked unreachable at once and not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from insure.risk.connector import ClaimFiling, InsurerConnector, InsurerRejected, InsurerUnavailable
from insure.risk.fanout import InsurerRequest
from insure.risk.insurers import Insurer
from insure.risk.progress import FINAL, apply_update, mark_unreachable, now_rfc3339, repository

log = logging.getLogger(__name__)


class FilingWorker:
    """Handles insurer-requests messages; collaborators are injected (tests pass fakes)."""

    def __init__(
        self,
        *,
        connector: InsurerConnector,
        insurers: Callable[[str], Insurer | None],
        send: Callable[[list[InsurerRequest], int], list[InsurerRequest]],
        poll_interval_s: int,
        max_receive_count: int,
    ) -> None:
        self.connector, self.insurers, self.send = connector, insurers, send
        self.poll_interval_s, self.max_receive_count = poll_interval_s, max_receive_count

    def handle(self, message: InsurerRequest, receive_count: int = 1) -> None:
        insurer = self.insurers(message.insurer_id)
        if insurer is None:
            mark_unreachable(message.risk_event_id, message.insurer_id, "The insurer is not registered.")
            return
        try:
            if message.kind == "file":
                self._file(insurer, message)
            else:
                self._poll(insurer, message)
        except InsurerUnavailable as error:
            if receive_count >= self.max_receive_count:
                note = f"No answer after {receive_count} attempts ({error})."
                log.warning("insurer unreachable", extra={"insurer_id": insurer.insurer_id, "note": note})
                mark_unreachable(message.risk_event_id, insurer.insurer_id, note)
            raise
        except InsurerRejected as error:
            log.warning("insurer refused", extra={"insurer_id": insurer.insurer_id, "error": str(error)})
            mark_unreachable(message.risk_event_id, insurer.insurer_id, f"The insurer refused the claim: {error}")

    def _file(self, insurer: Insurer, message: InsurerRequest) -> None:
        repo = repository()
        item = repo.get_item(message.risk_event_id, insurer.insurer_id)
        if item is None:
            log.warning("no progress entry for %s/%s", message.risk_event_id, insurer.insurer_id)
            return
        if "first_response_at" in item:
            # Filed by an earlier delivery; make sure its poll chain started (it may have failed to send).
            if item.get("poll_seq", {}).get("N") == "0" and item["status"]["S"] not in FINAL:
                self._schedule_poll(message, item["claim_reference"]["S"], 0)
            return
        filed = self.connector.file_claim(
            insurer,
            ClaimFiling(
                risk_event_id=message.risk_event_id,
                policy_number=message.policy_number,
                event_type=message.event_type,
                facts=message.facts,
                occurred_at=message.occurred_at,
                location=message.location,
            ),
        )
        at = now_rfc3339()
        if not repo.record_filed(message.risk_event_id, insurer.insurer_id, filed.claim_reference, at):
            return  # a concurrent delivery recorded it first and carries on from there
        progress = apply_update(
            message.risk_event_id,
            insurer.insurer_id,
            filed.status,
            updated_at=at,
            note="Claim filed",
            source="connector",
            claim_reference=filed.claim_reference,
        )
        from insure.risk.notifications import notify_salesperson

        notify_salesperson(
            insurer,
            risk_event_id=message.risk_event_id,
            claim_reference=filed.claim_reference,
            policy_number=message.policy_number,
            at=at,
        )
        final = filed.status in FINAL or (progress is not None and progress.final)
        if not final:
            self._schedule_poll(message, filed.claim_reference, 0)

    def _poll(self, insurer: Insurer, message: InsurerRequest) -> None:
        item = repository().get_item(message.risk_event_id, insurer.insurer_id)
        if item is None or item["status"]["S"] in FINAL:
            return
        if item.get("poll_seq", {}).get("N") != str(message.poll_seq):
            return  # a duplicate or stale delivery: another delivery continues this chain
        reference = message.claim_reference or item["claim_reference"]["S"]
        answer = self.connector.claim_progress(insurer, reference)
        progress = apply_update(
            message.risk_event_id,
            insurer.insurer_id,
            answer.status,
            updated_at=answer.updated_at,
            note=answer.note,
            source="poll",
            claim_reference=reference,
        )
        if answer.status in FINAL or (progress is not None and progress.final):
            return
        self._schedule_poll(message, reference, message.poll_seq)

    def _schedule_poll(self, message: InsurerRequest, claim_reference: str, seq: int) -> None:
        repo = repository()
        if not repo.advance_poll(message.risk_event_id, message.insurer_id, seq):
            return
        poll = message.model_copy(update={"kind": "poll", "claim_reference": claim_reference, "poll_seq": seq + 1})
        try:
            if not self.send([poll], self.poll_interval_s):
                raise InsurerUnavailable("poll not queued")
        except Exception:
            repo.advance_poll(message.risk_event_id, message.insurer_id, seq, back=True)
            raise


def default_worker() -> FilingWorker:
    from insure.risk import fanout
    from insure.risk.connector import connector
    from insure.risk.insurers import get_insurer
    from insure.settings import get_settings

    settings = get_settings()
    return FilingWorker(
        connector=connector(),
        insurers=get_insurer,
        send=lambda messages, delay: fanout.send(messages, delay_s=delay),
        poll_interval_s=settings.insurer_poll_interval_s,
        max_receive_count=settings.insurer_max_receive_count,
    )


def concurrent_batch_processor(max_workers: int = 10) -> Any:
    """A Powertools SQS `BatchProcessor` that runs a batch's records concurrently on a thread pool (each record
    is a different insurer, and the calls are network-bound); partial batch failures are reported as usual."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    class ConcurrentBatchProcessor(BatchProcessor):
        def process(self) -> list[tuple[Any, ...]]:
            records = list(self.records)
            if len(records) <= 1:
                return [self._process_record(r) for r in records]
            with ThreadPoolExecutor(max_workers=min(max_workers, len(records)), thread_name_prefix="fanout") as pool:
                return list(pool.map(self._process_record, records))

    return ConcurrentBatchProcessor(event_type=EventType.SQS)
