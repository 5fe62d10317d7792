"""What the risk services need from the rest of the platform, as small interfaces: the composition root
(`insure.roots.risk`) hands in the real ones (repositories over the single table, SQS, the WebSocket gateway),
unit tests hand in in-memory fakes (`tests/unit/fakes_risk.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from insure.risk.event_models import RiskEvent
    from insure.risk.facts import Facts
    from insure.risk.fanout import FanoutRequest, InsurerRequest
    from insure.risk.insurers import Insurer
    from insure.risk.progress_models import InsurerProgress, ProgressEntry, ProgressState
    from insure.risk.tags import Tag

Clock = Callable[[], float]
"""Now, in seconds since the epoch (`insure.timestamps.epoch`: the platform's one clock)."""


class EventStore(Protocol):
    """Risk events and their claim items (`insure.risk.event_repository.EventRepository`)."""

    def get(self, risk_event_id: str) -> tuple[RiskEvent, int] | None: ...

    def event_of_token(self, hashed: str) -> str | None: ...

    def claim_message(self, device_id: str, message_id: str, scan_id: str) -> bool: ...

    def scan_of_message(self, device_id: str, message_id: str) -> str | None: ...

    def claim_scan(self, device_id: str, scan_id: str, events: list[RiskEvent]) -> bool: ...

    def scan_events(self, device_id: str, scan_id: str) -> list[RiskEvent] | None: ...

    def write_events(self, events: list[RiskEvent], token_hashes: list[str]) -> None: ...

    def events_of_policy(self, insurer_id: str, policy_number: str, limit: int) -> list[str]: ...

    def open_incident(self, tag_id: str, now_epoch: int) -> str | None: ...

    def claim_incident(self, tag_id: str, risk_event_id: str, now_epoch: int) -> bool: ...

    def save(self, event: RiskEvent, version: int) -> bool: ...


class TagLookup(Protocol):
    def get(self, tag_id: str) -> Tag | None:
        """The stored tag (retired ones too), or None."""

    def tag_ids_for_policy(self, policy_number: str) -> list[str]: ...


class InsurerLookup(Protocol):
    def get(self, insurer_id: str) -> Insurer | None: ...


class Publisher(Protocol):
    """Live pushes to an event's WebSocket subscribers (`insure.risk.live.LiveHub`)."""

    def publish(self, risk_event_id: str, payload: dict[str, Any]) -> None: ...

    def publish_many(self, risk_event_id: str, payloads: list[dict[str, Any]]) -> None: ...


class InsurerQueue(Protocol):
    """The insurer-requests queue (`insure.risk.fanout.SqsInsurerQueue`)."""

    def send(self, messages: list[InsurerRequest], *, delay_s: int = 0) -> list[InsurerRequest]:
        """Queues the messages; returns those accepted."""


class ProgressStore(Protocol):
    """Each insurer's progress item on an event (`insure.risk.progress_repository.ProgressRepository`)."""

    def open_pending(self, risk_event_id: str, insurer_id: str, policy_number: str, at: str) -> bool: ...

    def claim_dispatch(self, risk_event_id: str, insurer_ids: list[str], at: str) -> set[str] | None: ...

    def write_pending(self, risk_event_id: str, policies: list[tuple[str, str]], at: str) -> None: ...

    def states(self, risk_event_id: str, insurer_ids: list[str]) -> dict[str, ProgressState]: ...

    def state(self, risk_event_id: str, insurer_id: str) -> ProgressState | None: ...

    def apply(
        self,
        risk_event_id: str,
        insurer_id: str,
        entry: ProgressEntry,
        *,
        claim_reference: str | None = None,
        only_from_pending: bool = False,
    ) -> InsurerProgress | None: ...

    def claim_filing(self, risk_event_id: str, insurer_id: str, holder: str, *, now: float, until: float) -> bool: ...

    def release_filing(self, risk_event_id: str, insurer_id: str, holder: str) -> None: ...

    def record_first_response(
        self,
        risk_event_id: str,
        insurer_id: str,
        claim_reference: str,
        entry: ProgressEntry,
        *,
        arm_poll: bool,
        notification: dict[str, Any],
        facts_revision: int,
    ) -> InsurerProgress | None: ...

    def note_facts_delivered(
        self, risk_event_id: str, insurer_id: str, revision: int, at: str
    ) -> InsurerProgress | None: ...

    def advance_poll(self, risk_event_id: str, insurer_id: str, seq: int, *, back: bool = False) -> bool: ...

    def timeline(self, risk_event_id: str) -> list[InsurerProgress]: ...


class Idempotency(Protocol):
    def run_once(self, scope: str, key: str, payload: Any, effect: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`effect` once per (scope, key); its result replayed to repeats."""

    def once_per_key(
        self, scope: str, key: str | None, payload: Any, effect: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """`run_once` when a key was sent, else simply `effect()`."""


class Dispatch(Protocol):
    """Telling insurers (`insure.risk.fanout.Dispatcher`)."""

    def dispatch(self, request: FanoutRequest) -> None: ...

    def forward_facts(self, risk_event_id: str, facts_revision: int) -> None: ...


class TagDirectory(Protocol):
    """Tags as scans and reports find them: never a retired one (`insure.risk.tags.Tags`)."""

    def get(self, tag_id: str) -> Tag | None: ...

    def for_policy(self, policy_number: str) -> list[Tag]: ...


class Tokens(Protocol):
    """Reporter tokens (`insure.risk.reporter_tokens.ReporterTokens`)."""

    def token(self, risk_event_id: str) -> str: ...

    def hash_of(self, risk_event_id: str) -> str: ...


class Updates(Protocol):
    """Changes to stored events (`insure.risk.event_updates.EventUpdates`)."""

    def dispatch_event(self, event: RiskEvent) -> None: ...

    def update_customer_event(
        self, risk_event_id: str, change: Callable[[RiskEvent], dict[str, Any] | None], kind: str
    ) -> None: ...

    def apply_facts(self, risk_event_id: str, update: Facts) -> RiskEvent: ...
