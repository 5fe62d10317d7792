"""In-memory fakes of the risk services' ports (`insure.risk.ports`), so intake and fan-out are unit-tested in
milliseconds, without moto. Each keeps the guarantee the real repository gives (conditional writes happen once,
statuses never move backwards, a filing slot is held by one delivery) and records what the service did."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from insure.risk.connector import ClaimFiled, ClaimFiling, ClaimProgress, FactsUpdate, InsurerUnavailable
from insure.risk.event_models import RiskEvent
from insure.risk.fanout import FanoutRequest, InsurerRequest
from insure.risk.insurers import Insurer, Salesperson
from insure.risk.progress_models import RANK, InsurerProgress, ProgressEntry, ProgressState
from insure.risk.progress_repository import ProgressRepository, _from_item, state_of
from insure.risk.reporters import CustomerIdentity
from insure.risk.tags import InsuredObject, Tag, TagPolicy


class Clock:
    """The platform's clock, set by the test (never slept on)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeEvents:
    """EventStore: events with versions, their token items, scanners' claimed messages and scans, open incidents."""

    def __init__(self) -> None:
        self.events: dict[str, tuple[RiskEvent, int]] = {}
        self.tokens: dict[str, str] = {}
        self.messages: dict[tuple[str, str], str] = {}
        self.scans: dict[tuple[str, str], list[RiskEvent]] = {}
        self.incidents: dict[str, tuple[str, int]] = {}
        self.by_policy: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.writes = 0

    def get(self, risk_event_id: str) -> tuple[RiskEvent, int] | None:
        return self.events.get(risk_event_id)

    def event_of_token(self, hashed: str) -> str | None:
        return self.tokens.get(hashed)

    def claim_message(self, device_id: str, message_id: str, scan_id: str) -> bool:
        if (device_id, message_id) in self.messages:
            return False
        self.messages[(device_id, message_id)] = scan_id
        return True

    def scan_of_message(self, device_id: str, message_id: str) -> str | None:
        return self.messages.get((device_id, message_id))

    def claim_scan(self, device_id: str, scan_id: str, events: list[RiskEvent]) -> bool:
        if (device_id, scan_id) in self.scans:
            return False
        self.scans[(device_id, scan_id)] = list(events)
        return True

    def scan_events(self, device_id: str, scan_id: str) -> list[RiskEvent] | None:
        return self.scans.get((device_id, scan_id))

    def write_events(self, events: list[RiskEvent], token_hashes: list[str]) -> None:
        for event, hashed in zip(events, token_hashes, strict=True):
            if event.risk_event_id not in self.events:
                self.events[event.risk_event_id] = (event, 1)
                self.writes += 1
            self.tokens.setdefault(hashed, event.risk_event_id)
            if event.role == "customer":
                for policy in event.policies:
                    listed = self.by_policy.setdefault((policy.insurer_id, policy.policy_number), [])
                    if (event.created_at, event.risk_event_id) not in listed:
                        listed.append((event.created_at, event.risk_event_id))

    def events_of_policy(self, insurer_id: str, policy_number: str, limit: int) -> list[str]:
        return [i for _, i in sorted(self.by_policy.get((insurer_id, policy_number), []), reverse=True)][:limit]

    def open_incident(self, tag_id: str, now_epoch: int) -> str | None:
        found = self.incidents.get(tag_id)
        return found[0] if found and found[1] > now_epoch else None

    def claim_incident(self, tag_id: str, risk_event_id: str, now_epoch: int) -> bool:
        found = self.incidents.get(tag_id)
        if found and found[1] > now_epoch:
            return False
        self.incidents[tag_id] = (risk_event_id, now_epoch + 24 * 3600)
        return True

    def save(self, event: RiskEvent, version: int) -> bool:
        found = self.events.get(event.risk_event_id)
        if found is None or found[1] != version:
            return False
        self.events[event.risk_event_id] = (event, version + 1)
        return True


class FakeTags:
    """TagDirectory and TagLookup over a dict (no retired tags)."""

    def __init__(self, *tags: Tag) -> None:
        self.tags = {t.tag_id: t for t in tags}

    def get(self, tag_id: str) -> Tag | None:
        return self.tags.get(tag_id)

    def for_policy(self, policy_number: str) -> list[Tag]:
        return [t for t in self.tags.values() if any(p.policy_number == policy_number for p in t.policies)]

    def tag_ids_for_policy(self, policy_number: str) -> list[str]:
        return [t.tag_id for t in self.for_policy(policy_number)]


class FakeInsurers:
    def __init__(self, *insurers: Insurer) -> None:
        self.insurers = {i.insurer_id: i for i in insurers}

    def get(self, insurer_id: str) -> Insurer | None:
        return self.insurers.get(insurer_id)

    def name(self, insurer_id: str) -> str | None:
        found = self.get(insurer_id)
        return found.name if found else None


class FakeTokens:
    def token(self, risk_event_id: str) -> str:
        return f"rt_{risk_event_id}"

    def hash_of(self, risk_event_id: str) -> str:
        return f"hash:{risk_event_id}"


class FakeIdempotency:
    """Runs an effect once per (scope, key) and replays its result."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, str], dict[str, Any]] = {}

    def run_once(self, scope: str, key: str, payload: Any, effect: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if (scope, key) not in self.results:
            self.results[(scope, key)] = effect()
        return self.results[(scope, key)]

    def once_per_key(
        self, scope: str, key: str | None, payload: Any, effect: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        return self.run_once(scope, key, payload, effect) if key else effect()


@dataclass
class RecordedUpdates:
    """Updates port: records dispatches and applies changes to the fake store as EventUpdates would."""

    events: FakeEvents
    dispatched: list[RiskEvent] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[str, Any]] = field(default_factory=list)

    def dispatch_event(self, event: RiskEvent) -> None:
        if event.role == "customer" and event.policies:
            self.dispatched.append(event)

    def update_customer_event(
        self, risk_event_id: str, change: Callable[[RiskEvent], dict[str, Any] | None], kind: str
    ) -> None:
        found = self.events.get(risk_event_id)
        fields = change(found[0]) if found else None
        if found is None or fields is None:
            return
        assert self.events.save(found[0].model_copy(update=fields), found[1])
        self.changed.append((risk_event_id, kind))

    def apply_facts(self, risk_event_id: str, update: Any) -> RiskEvent:
        self.facts.append((risk_event_id, update))
        found = self.events.get(risk_event_id)
        assert found is not None
        return found[0]


class FakeProgress:
    """ProgressStore: items in the same shape as the table's (read back as the repository reads them), every
    write applied only under the same condition the repository's write carries."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.dispatched: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def _item(self, risk_event_id: str, insurer_id: str) -> dict[str, Any] | None:
        return self.items.get((risk_event_id, insurer_id))

    def open_pending(self, risk_event_id: str, insurer_id: str, policy_number: str, at: str) -> bool:
        with self.lock:
            if (risk_event_id, insurer_id) in self.items:
                return False
            self.items[(risk_event_id, insurer_id)] = ProgressRepository._pending_item(
                risk_event_id, insurer_id, policy_number, at
            )
            return True

    def claim_dispatch(self, risk_event_id: str, insurer_ids: list[str], at: str) -> set[str] | None:
        with self.lock:
            before = self.dispatched.get(risk_event_id)
            self.dispatched[risk_event_id] = (before or set()) | set(insurer_ids)
            return None if before is None else set(before)

    def write_pending(self, risk_event_id: str, policies: list[tuple[str, str]], at: str) -> None:
        for insurer_id, policy_number in policies:
            self.items[(risk_event_id, insurer_id)] = ProgressRepository._pending_item(
                risk_event_id, insurer_id, policy_number, at
            )

    def states(self, risk_event_id: str, insurer_ids: list[str]) -> dict[str, ProgressState]:
        return {i: state_of(item) for i in insurer_ids if (item := self._item(risk_event_id, i)) is not None}

    def state(self, risk_event_id: str, insurer_id: str) -> ProgressState | None:
        item = self._item(risk_event_id, insurer_id)
        return state_of(item) if item is not None else None

    @staticmethod
    def _move(item: dict[str, Any], entry: ProgressEntry) -> None:
        item["status"] = {"S": entry.status}
        item["status_rank"] = {"N": str(RANK[entry.status])}
        item["updated_at"] = {"S": entry.updated_at}
        item["history"]["L"].append({"S": entry.model_dump_json()})

    def apply(
        self,
        risk_event_id: str,
        insurer_id: str,
        entry: ProgressEntry,
        *,
        claim_reference: str | None = None,
        only_from_pending: bool = False,
    ) -> InsurerProgress | None:
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is None or int(item["status_rank"]["N"]) >= RANK[entry.status]:
                return None
            if only_from_pending and item["status_rank"]["N"] != "0":
                return None
            known = item.get("claim_reference", {}).get("S")
            if claim_reference is not None and known is not None and known != claim_reference:
                return None
            self._move(item, entry)
            if claim_reference is not None and known is None:
                item["claim_reference"] = {"S": claim_reference}
            return _from_item(item)

    def claim_filing(self, risk_event_id: str, insurer_id: str, holder: str, *, now: float, until: float) -> bool:
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is None or "first_response" in item:
                return False
            if "filing_until" in item and float(item["filing_until"]["N"]) >= now:
                return False
            item["filing_holder"], item["filing_until"] = {"S": holder}, {"N": f"{until:.3f}"}
            return True

    def release_filing(self, risk_event_id: str, insurer_id: str, holder: str) -> None:
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is not None and item.get("filing_holder", {}).get("S") == holder:
                item.pop("filing_holder")
                item.pop("filing_until")

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
    ) -> InsurerProgress | None:
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is None or "first_response" in item:
                return None
            known = item.get("claim_reference", {}).get("S")
            if known is None:
                item["claim_reference"] = {"S": claim_reference}
            if int(item["status_rank"]["N"]) < RANK[entry.status] and known in (None, claim_reference):
                self._move(item, entry)
            item["first_response"] = {"S": json.dumps({"at": entry.updated_at, "notification": notification})}
            item["poll_seq"] = {"N": "1" if arm_poll else "0"}
            if "facts_delivered" not in item:
                item["facts_delivered"] = {"N": str(facts_revision)}
                item["facts_delivered_at"] = {"S": entry.updated_at}
            item.pop("filing_holder", None)
            item.pop("filing_until", None)
            return _from_item(item)

    def note_facts_delivered(
        self, risk_event_id: str, insurer_id: str, revision: int, at: str
    ) -> InsurerProgress | None:
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is None or ("facts_delivered" in item and int(item["facts_delivered"]["N"]) >= revision):
                return None
            item["facts_delivered"], item["facts_delivered_at"] = {"N": str(revision)}, {"S": at}
            return _from_item(item)

    def advance_poll(self, risk_event_id: str, insurer_id: str, seq: int, *, back: bool = False) -> bool:
        current, following = (seq + 1, seq) if back else (seq, seq + 1)
        with self.lock:
            item = self._item(risk_event_id, insurer_id)
            if item is None or item.get("poll_seq", {}).get("N") != str(current):
                return False
            item["poll_seq"] = {"N": str(following)}
            return True

    def timeline(self, risk_event_id: str) -> list[InsurerProgress]:
        return [_from_item(item) for (event, _), item in sorted(self.items.items()) if event == risk_event_id]


class FakeQueue:
    """InsurerQueue: what was queued (with its delay); `refuse` names insurers whose messages SQS refuses."""

    def __init__(self) -> None:
        self.sent: list[tuple[InsurerRequest, int]] = []
        self.refuse: set[str] = set()

    def send(self, messages: list[InsurerRequest], *, delay_s: int = 0) -> list[InsurerRequest]:
        accepted = [m for m in messages if m.insurer_id not in self.refuse]
        self.sent += [(m, delay_s) for m in accepted]
        return accepted

    def take(self) -> list[InsurerRequest]:
        taken, self.sent = [m for m, _ in self.sent], []
        return taken


class FakeConnector:
    """The insurers' claims APIs: each insurer answers with a reference and a status script, or is down."""

    def __init__(self, *, down: frozenset[str] = frozenset(), statuses: dict[str, list[str]] | None = None) -> None:
        self.down, self.statuses = set(down), statuses or {}
        self.filed: list[tuple[str, ClaimFiling]] = []
        self.facts: list[tuple[str, str, FactsUpdate, str]] = []
        self.polled: list[tuple[str, str]] = []
        self.before_answer: Callable[[str], None] = lambda insurer_id: None

    def _up(self, insurer: Insurer) -> None:
        if insurer.insurer_id in self.down:
            raise InsurerUnavailable(f"{insurer.insurer_id}: HTTP 503")

    def file_claim(self, insurer: Insurer, filing: ClaimFiling) -> ClaimFiled:
        self._up(insurer)
        self.filed.append((insurer.insurer_id, filing))
        self.before_answer(insurer.insurer_id)
        return ClaimFiled(claim_reference=f"REF-{insurer.insurer_id}", status="received")

    def send_facts(self, insurer: Insurer, claim_reference: str, update: FactsUpdate, *, message_id: str) -> None:
        self._up(insurer)
        self.facts.append((insurer.insurer_id, claim_reference, update, message_id))

    def claim_progress(self, insurer: Insurer, claim_reference: str) -> ClaimProgress:
        self._up(insurer)
        self.polled.append((insurer.insurer_id, claim_reference))
        script = self.statuses.get(insurer.insurer_id) or ["assessing"]
        status = script.pop(0) if len(script) > 1 else script[0]
        return ClaimProgress.model_validate({"status": status, "updated_at": "2027-01-15T08:00:00Z"})


def insurer(insurer_id: str, name: str | None = None, hours: int = 48) -> Insurer:
    return Insurer(
        insurer_id=insurer_id,
        name=name or f"Insurer {insurer_id}",
        base_url=f"https://{insurer_id}.example/api",
        salesperson=Salesperson(name="Sam Seller", email=f"sam@{insurer_id}.example", phone="+12125550199"),
        reporting_deadline_hours=hours,
        webhook_secrets=("whsec_" + "QUJD" * 11,),
        created_at="2027-01-01T00:00:00Z",
    )


CUSTOMER = CustomerIdentity(
    name="Ada Lovelace",
    phone="+1 212 555 0100",
    email="ada@example.com",
    date_of_birth="1985-12-10",
    postal_code="10001",
)


def tag(tag_id: str, *insurer_ids: str) -> Tag:
    return Tag(
        tag_id=tag_id,
        kind="qr",
        object=InsuredObject(description="Laptop", serial_number="SN-1"),
        customer=CUSTOMER,
        policies=[TagPolicy(insurer_id=i, policy_number=f"POL-{i}", product="computer") for i in insurer_ids],
        created_at="2027-01-01T00:00:00Z",
    )


def fanout_request(risk_event_id: str, *insurer_ids: str, facts_revision: int = 0) -> FanoutRequest:
    from insure.risk.fanout import PolicyRef

    return FanoutRequest(
        risk_event_id=risk_event_id,
        event_type="theft",
        facts={"event_type": "theft"},
        occurred_at="2027-01-15T07:00:00Z",
        policies=[PolicyRef(insurer_id=i, policy_number=f"POL-{i}", product="computer") for i in insurer_ids],
        facts_revision=facts_revision,
    )
