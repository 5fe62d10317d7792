"""The fan-out's batch processing: a Powertools SQS batch whose records (each a different insurer, network-bound)
run concurrently, each completed as soon as it finishes (see `concurrent_batch_processor`)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from insure.risk.filing import Outcome

SETTLE_WINDOW_S = 0.25


def concurrent_batch_processor(
    settled: Callable[[list[tuple[str, Outcome]]], set[str]] | None = None,
    max_workers: int = 10,
    settle_window_s: float = SETTLE_WINDOW_S,
) -> Any:
    """A Powertools SQS `BatchProcessor` that runs a batch's records concurrently on a thread pool (each record
    is a different insurer, and the calls are network-bound); partial batch failures are reported as usual.

    Records are completed (`settled`: their changes pushed live, their next polls queued) as they finish, not when
    the whole batch has: those done within `settle_window_s` together, each later one as soon as it is done, so a
    slow or hanging insurer (bounded by the connector's timeout) delays no other insurer's progress or next poll.
    `unqueued` holds the ids of records whose next poll `settled` could not queue (reported as failures too)."""
    from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, wait

    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    class ConcurrentBatchProcessor(BatchProcessor):
        unqueued: set[str]

        def _prepare(self) -> None:
            super()._prepare()
            self.unqueued = set()

        def _settle(self, entries: list[tuple[Any, ...]]) -> None:
            outcomes = [(e[2]["messageId"], e[1]) for e in entries if e[0] == "success" and isinstance(e[1], Outcome)]
            if outcomes and settled is not None:
                self.unqueued |= settled(outcomes)

        def process(self) -> list[tuple[Any, ...]]:
            records = list(self.records)
            if len(records) <= 1:
                results = [self._process_record(r) for r in records]
                self._settle(results)
                return results
            with ThreadPoolExecutor(max_workers=min(max_workers, len(records)), thread_name_prefix="fanout") as pool:
                futures: dict[Future[Any], int] = {
                    pool.submit(self._process_record, r): n for n, r in enumerate(records)
                }
                entries: list[Any] = [None] * len(records)
                pending, window = set(futures), True
                while pending:
                    done, pending = wait(
                        pending,
                        timeout=settle_window_s if window else None,
                        return_when=ALL_COMPLETED if window else FIRST_COMPLETED,
                    )
                    window = False
                    for future in done:
                        entries[futures[future]] = future.result()
                    self._settle([entries[futures[f]] for f in done])
            return entries

    # A batch whose every record failed is reported like any other (every id listed), not raised.
    return ConcurrentBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
