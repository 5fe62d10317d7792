"""Each insurer's progress on a risk event: one item per (event, insurer), together the event's timeline.

The items are kept by `insure.risk.progress_repository` (the only code knowing them), the models are in
`insure.risk.progress_models` (importable from here too); `ProgressService` is the logic, over a `ProgressStore`,
a live `Publisher`, the insurers' names and the customer's status notices (all handed in).

A status never moves backwards: every change is one conditional UpdateItem `status_rank < :new_rank`, so updates
arriving in any order (the connector's first response, polls, webhooks, duplicates, concurrently) leave the
highest status reached; a lower or equal one is ignored, not an error. `unreachable` ranks just above `pending`:
it is only ever set on an insurer that never answered, and a later real answer still moves it forward.

Every applied change is published live to the event's subscribers (`insure.risk.live.LiveHub`), at once or, in
the fan-out consumer, once per batch, and the customer is told (`insure.risk.status_notices`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from insure import metrics, timestamps
from insure.errors import NotFound
from insure.risk.progress_models import (
    FINAL,
    RANK,
    SETTLED,
    InsurerProgress,
    InsurerStatus,
    ProgressEntry,
    ProgressStatus,
    Source,
    now_rfc3339,
)
from insure.risk.progress_repository import ProgressRepository

if TYPE_CHECKING:
    from insure.risk.ports import ProgressStore, Publisher

__all__ = [
    "FINAL",
    "RANK",
    "SETTLED",
    "InsurerProgress",
    "InsurerStatus",
    "ProgressEntry",
    "ProgressRepository",
    "ProgressService",
    "ProgressStatus",
    "Source",
    "now_rfc3339",
    "progress_message",
]

log = logging.getLogger(__name__)

Tell = Callable[..., "str | None"]
"""Tells the customer of an insurer's new status: (risk_event_id, insurer_id, status, *, claim_reference, note)
(`insure.risk.status_notices.StatusNotices.tell`)."""


def progress_message(risk_event_id: str, progress: InsurerProgress, name: str | None = None) -> dict[str, Any]:
    """What live subscribers receive when an insurer's progress changes (with the insurer's name)."""
    named = progress.model_copy(update={"name": name}) if name else progress
    return {"type": "insurer_progress", "risk_event_id": risk_event_id, "insurer": named.model_dump(mode="json")}


class ProgressService:
    """Applies insurers' statuses (never backwards), publishes them live and tells the customer."""

    def __init__(
        self,
        store: ProgressStore,
        *,
        publisher: Publisher,
        names: Callable[[str], str | None],
        tell: Tell,
    ) -> None:
        self.store, self.publisher, self.names, self.tell = store, publisher, names, tell

    def timeline(self, risk_event_id: str) -> list[InsurerProgress]:
        """Every insurer's progress on the event (status, claim reference, history), one entry per insurer."""
        return self.store.timeline(risk_event_id)

    def _published(self, risk_event_id: str, progress: InsurerProgress | None) -> InsurerProgress | None:
        if progress is not None:
            try:
                name = self.names(progress.insurer_id)
                self.publisher.publish(risk_event_id, progress_message(risk_event_id, progress, name))
            except Exception:  # a live push must never undo or fail a recorded change
                log.warning("live publish failed for %s", risk_event_id, exc_info=True)
        return progress

    def apply_update(
        self,
        risk_event_id: str,
        insurer_id: str,
        status: InsurerStatus,
        *,
        updated_at: str | None = None,
        note: str | None = None,
        source: Source,
        claim_reference: str | None = None,
        publish: bool = True,
        tell_customer: bool = True,
    ) -> InsurerProgress | None:
        """Applies an insurer's status if it moves the progress forward; returns the new progress, or None when it
        was ignored (an older or repeated status, or another claim reference). Unknown (event, insurer):
        `NotFound`. Applied changes are published live unless `publish` is False, and the customer is told of them
        unless `tell_customer` is False (the caller then does both, e.g. per batch)."""
        entry = ProgressEntry(status=status, updated_at=timestamps.normalize(updated_at), note=note, source=source)
        applied = self.store.apply(risk_event_id, insurer_id, entry, claim_reference=claim_reference)
        if applied is None:
            stored = self.store.state(risk_event_id, insurer_id)
            if stored is None:
                raise NotFound(f"No claim of insurer {insurer_id} on risk event {risk_event_id}.")
            known = stored.claim_reference
            if claim_reference is not None and known is not None and known != claim_reference:
                raise NotFound(f"No claim {claim_reference} of insurer {insurer_id} on risk event {risk_event_id}.")
        elif tell_customer:
            self.tell(risk_event_id, insurer_id, applied.status, claim_reference=applied.claim_reference, note=note)
        return self._published(risk_event_id, applied) if publish else applied

    def mark_unreachable(
        self, risk_event_id: str, insurer_id: str, note: str, *, publish: bool = True
    ) -> InsurerProgress | None:
        """Shows an insurer that never answered as `unreachable` (only from `pending`; a later answer still
        wins)."""
        entry = ProgressEntry(status="unreachable", updated_at=now_rfc3339(), note=note, source="platform")
        changed = self.store.apply(risk_event_id, insurer_id, entry, only_from_pending=True)
        if changed is not None:
            metrics.count(metrics.INSURERS_UNREACHABLE)
        return self._published(risk_event_id, changed) if publish else changed
