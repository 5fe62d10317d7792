"""Each insurer's progress on a risk event: one item per (event, insurer), together the event's timeline.

The items are kept by `insure.risk.progress_repository` (the only code knowing them), the models are in
`insure.risk.progress_models`; both are importable from here too.

A status never moves backwards: every change is one conditional UpdateItem `status_rank < :new_rank`, so updates
arriving in any order (the connector's first response, polls, webhooks, duplicates, concurrently) leave the
highest status reached; a lower or equal one is ignored, not an error. `unreachable` ranks just above `pending`:
it is only ever set on an insurer that never answered, and a later real answer still moves it forward.

Every applied change is published live to the event's subscribers (`insure.risk.live.publish`), at once or, in
the fan-out consumer, once per batch, and the customer is told (`insure.risk.status_notices`).
"""

from __future__ import annotations

import logging
from typing import Any

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
from insure.risk.progress_repository import ProgressRepository, repository

__all__ = [
    "FINAL",
    "RANK",
    "SETTLED",
    "InsurerProgress",
    "InsurerStatus",
    "ProgressEntry",
    "ProgressRepository",
    "ProgressStatus",
    "Source",
    "apply_update",
    "mark_unreachable",
    "now_rfc3339",
    "progress_message",
    "repository",
    "timeline",
]

log = logging.getLogger(__name__)


def timeline(risk_event_id: str) -> list[InsurerProgress]:
    """Every insurer's progress on the event (status, claim reference, history), one entry per insurer."""
    return repository().timeline(risk_event_id)


def progress_message(risk_event_id: str, progress: InsurerProgress, name: str | None = None) -> dict[str, Any]:
    """What live subscribers receive when an insurer's progress changes (with the insurer's name)."""
    named = progress.model_copy(update={"name": name}) if name else progress
    return {"type": "insurer_progress", "risk_event_id": risk_event_id, "insurer": named.model_dump(mode="json")}


def _published(risk_event_id: str, progress: InsurerProgress | None) -> InsurerProgress | None:
    if progress is not None:
        from insure.risk import live
        from insure.risk.insurers import insurer_name

        try:
            name = insurer_name(progress.insurer_id)
            live.publish(risk_event_id, progress_message(risk_event_id, progress, name))
        except Exception:  # a live push must never undo or fail a recorded change
            log.warning("live publish failed for %s", risk_event_id, exc_info=True)
    return progress


def apply_update(
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
    """Applies an insurer's status if it moves the progress forward; returns the new progress, or None when it was
    ignored (an older or repeated status, or another claim reference). Unknown (event, insurer): `NotFound`.
    Applied changes are published live unless `publish` is False, and the customer is told of them
    (`insure.risk.status_notices`) unless `tell_customer` is False (the caller then does both, e.g. per batch)."""
    entry = ProgressEntry(status=status, updated_at=timestamps.normalize(updated_at), note=note, source=source)
    repo = repository()
    applied = repo.apply(risk_event_id, insurer_id, entry, claim_reference=claim_reference)
    if applied is None:
        item = repo.get_item(risk_event_id, insurer_id)
        if item is None:
            raise NotFound(f"No claim of insurer {insurer_id} on risk event {risk_event_id}.")
        known = ProgressRepository.claim_reference_of(item)
        if claim_reference is not None and known is not None and known != claim_reference:
            raise NotFound(f"No claim {claim_reference} of insurer {insurer_id} on risk event {risk_event_id}.")
    elif tell_customer:
        from insure.risk.status_notices import tell

        tell(risk_event_id, insurer_id, applied.status, claim_reference=applied.claim_reference, note=note)
    return _published(risk_event_id, applied) if publish else applied


def mark_unreachable(risk_event_id: str, insurer_id: str, note: str, *, publish: bool = True) -> InsurerProgress | None:
    """Shows an insurer that never answered as `unreachable` (only from `pending`; a later answer still wins)."""
    entry = ProgressEntry(status="unreachable", updated_at=now_rfc3339(), note=note, source="platform")
    changed = repository().apply(risk_event_id, insurer_id, entry, only_from_pending=True)
    if changed is not None:
        metrics.count(metrics.INSURERS_UNREACHABLE)
    return _published(risk_event_id, changed) if publish else changed
