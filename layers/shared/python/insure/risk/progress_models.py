"""The models of insurers' progress on a risk event: statuses and their ranks, history entries, one insurer's
progress (stored by `insure.risk.progress_repository`, changed by `insure.risk.progress`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure import timestamps

ProgressStatus = Literal["pending", "unreachable", "received", "assessing", "approved", "denied", "paid", "closed"]
InsurerStatus = Literal["received", "assessing", "approved", "denied", "paid", "closed"]
Source = Literal["platform", "connector", "poll", "webhook"]

RANK: dict[str, int] = {
    "pending": 0,
    "unreachable": 1,
    "received": 2,
    "assessing": 3,
    "approved": 4,
    "denied": 5,
    "paid": 6,
    "closed": 7,
}
FINAL: frozenset[str] = frozenset({"paid", "denied", "closed"})
# Nothing more is expected of an insurer in these: it answered for good, or it never answered and gave up on
# (a late answer still moves `unreachable` forward, and the event with it).
SETTLED: frozenset[str] = FINAL | {"unreachable"}


def now_rfc3339() -> str:
    return timestamps.now()


class ProgressEntry(BaseModel):
    """One status change in an insurer's history."""

    model_config = ConfigDict(frozen=True)

    status: ProgressStatus
    updated_at: str = Field(description="When the status changed (RFC 3339 UTC), as the insurer reports it")
    note: str | None = None
    source: Source = Field(description="Who told the platform: itself, the connector, a poll or a webhook")


@dataclass(frozen=True)
class ProgressState:
    """What the filing and the dispatch read of one insurer's stored progress on an event: its status, the claim
    reference, whether the first answer is recorded (and the salesperson notification recorded with it), the poll
    chain's sequence number, the filing slot's lease end and the facts revision the insurer has."""

    insurer_id: str
    status: str
    claim_reference: str | None = None
    answered: bool = False
    notification: dict[str, Any] | None = None
    poll_seq: int | None = None
    filing_until: float = 0.0
    facts_delivered: int | None = None


class InsurerProgress(BaseModel):
    """Where one insurer stands on a risk event: the current status and how it got there."""

    model_config = ConfigDict(frozen=True)

    insurer_id: str
    name: str | None = Field(None, description="The insurer's name, as registered (shown to the people it concerns)")
    claim_reference: str | None = None
    status: ProgressStatus
    updated_at: str
    history: list[ProgressEntry] = Field(default_factory=list)
    policy_number: str | None = None
    first_response_at: str | None = Field(
        None, description="When the insurer's first answer to the claim was recorded (RFC 3339 UTC)"
    )
    facts_revision_delivered: int | None = Field(
        None, description="The revision of the event's facts the insurer last received (with the claim or later)"
    )
    facts_delivered_at: str | None = None
    latest_facts_delivered: bool | None = Field(
        None, description="Whether the insurer has the event's latest facts (unknown until the claim is filed)"
    )

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def for_third_party(self) -> InsurerProgress:
        """What a third party who reported on the object sees of the owner's claim with this insurer: who, the
        status and when it changed; never the claim reference, the policy, the notes or the facts delivered."""
        return InsurerProgress(
            insurer_id=self.insurer_id,
            name=self.name,
            status=self.status,
            updated_at=self.updated_at,
            history=[ProgressEntry(status=e.status, updated_at=e.updated_at, source=e.source) for e in self.history],
        )
