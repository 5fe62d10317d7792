"""Progress statuses without AWS: the order that keeps them from moving backwards, and what insurers may send."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from insure.risk.progress import FINAL, RANK, InsurerProgress, ProgressEntry
from insure.risk.webhooks import InsurerWebhook


def test_statuses_are_ranked_from_pending_to_closed_with_unreachable_just_above_pending():
    ordered = sorted(RANK, key=RANK.__getitem__)
    assert ordered[0] == "pending" and ordered[1] == "unreachable" and ordered[-1] == "closed"
    assert RANK["received"] < RANK["assessing"] < RANK["approved"] < RANK["paid"] < RANK["closed"]
    assert RANK["assessing"] < RANK["denied"] < RANK["closed"]
    assert len(set(RANK.values())) == len(RANK)  # no ties: an update either moves forward or is ignored


def test_final_statuses_end_polling():
    assert frozenset({"paid", "denied", "closed"}) == FINAL
    at = "2026-11-23T07:00:00Z"
    paid = InsurerProgress(insurer_id="a", status="paid", updated_at=at)
    received = InsurerProgress(insurer_id="a", status="received", updated_at=at)
    assert paid.final and not received.final


def test_history_entries_name_their_source():
    entry = ProgressEntry(status="received", updated_at="2026-11-23T07:00:00Z", source="webhook")
    assert entry.model_dump()["source"] == "webhook"
    with pytest.raises(ValidationError):
        ProgressEntry(status="received", updated_at="2026-11-23T07:00:00Z", source="gossip")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": "pending"}, "status"),  # the platform's own status, not the insurer's
        ({"updated_at": "2026-11-23T07:00:00"}, "updated_at"),  # no time zone
        ({"claim_reference": ""}, "claim_reference"),
    ],
)
def test_an_insurer_webhook_must_carry_an_insurer_status_and_an_aware_time(change, field):
    body = {
        "risk_event_id": "evt-1",
        "claim_reference": "R-1",
        "status": "approved",
        "updated_at": "2026-11-23T07:00:00Z",
        **change,
    }
    with pytest.raises(ValidationError) as error:
        InsurerWebhook.model_validate(body)
    assert field in {str(e["loc"][0]) for e in error.value.errors()}
