"""Application status and the moves allowed between statuses (the workflow's conditional writes use these)."""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal[
    "draft",
    "underwriting",
    "declined",
    "offered",
    "accepted",
    "paid",
    "issued",
    "expired",
    "payment_failed",
    "failed",
]
STATUSES: tuple[Status, ...] = get_args(Status)

MAX_PAYMENT_ATTEMPTS = 3

# status -> statuses it may move to
MOVES: dict[Status, frozenset[Status]] = {
    "draft": frozenset({"draft", "underwriting"}),
    "underwriting": frozenset({"declined", "offered", "failed"}),
    "declined": frozenset({"draft", "underwriting"}),
    "offered": frozenset({"accepted", "expired", "failed"}),
    "accepted": frozenset({"paid", "payment_failed", "expired", "failed"}),
    "payment_failed": frozenset({"paid", "payment_failed", "expired", "failed"}),
    "paid": frozenset({"issued", "failed"}),
    "issued": frozenset(),
    "expired": frozenset(),
    "failed": frozenset({"draft"}),
}
EDITABLE: frozenset[Status] = frozenset({"draft", "declined", "failed"})
SUBMITTABLE: frozenset[Status] = frozenset({"draft", "declined", "failed"})
FINAL: frozenset[Status] = frozenset({"issued", "expired"})


def can_move(current: Status, target: Status) -> bool:
    return target in MOVES[current]


def predecessors(target: Status) -> tuple[Status, ...]:
    """Every status from which `target` may be reached (the condition of a write that moves to `target`)."""
    return tuple(s for s in STATUSES if target in MOVES[s])
