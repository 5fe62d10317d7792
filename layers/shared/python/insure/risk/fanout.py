"""Every insurer at once: a risk event becomes one SQS message per (event, insurer) on the insurer-requests queue.

`Dispatcher.dispatch` is what the risk-event code calls when an event opens (and may call again when facts change).
It is idempotent per (event, insurer): the first call creates the insurer's `pending` progress entry with a
conditional put and sends one `file` message. A later call sends nothing for an insurer whose claim is recorded (or
that is unreachable), so a re-dispatch never files a second claim; for an insurer still `pending` without an answer
it sends the `file` message again (its first one may have been lost) unless a filing holds its slot, which is
harmless: the consumer POSTs a claim only from the insurer's filing slot and never once its answer is recorded. A
new insurer appearing on a later call (a policy added) is dispatched then.

Facts learned after filing travel separately (`Dispatcher.forward_facts`): one `facts` message per insurer already
filed with; the consumer sends the event's latest facts through the connector's `POST
{base_url}/claims/{ref}/facts`, retried through the queue, with a `webhook-id` per (event, insurer, facts revision)
so the insurer applies each once.

The dispatcher works over a `ProgressStore` and an `InsurerQueue` (`SqsInsurerQueue` in AWS), handed in by the
composition root. Functions dispatching need the grants `Grant(INSURER_REQUESTS, ("send",))` and table read/write."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.errors import TransientError
from insure.risk.progress_models import now_rfc3339

if TYPE_CHECKING:
    from insure.risk.ports import Clock, InsurerQueue, ProgressStore

log = logging.getLogger(__name__)


class PolicyRef(BaseModel):
    """A policy covering the object at risk, with the insurer that wrote it."""

    model_config = ConfigDict(frozen=True)

    insurer_id: str
    policy_number: str
    product: str


class FanoutRequest(BaseModel):
    """What every insurer on the event is told: the facts known so far, where and when it happened."""

    model_config = ConfigDict(frozen=True)

    risk_event_id: str
    event_type: str
    facts: dict[str, Any] = Field(default_factory=dict)
    occurred_at: str
    location: dict[str, Any] | None = None
    policies: list[PolicyRef]
    insured: dict[str, Any] | None = None
    object: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None
    facts_revision: int = 0


class InsurerRequest(BaseModel):
    """The body of one insurer-requests message: file the claim, or poll its progress (the `poll_seq`-th poll)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["file", "poll", "facts"]
    risk_event_id: str
    insurer_id: str
    policy_number: str
    product: str = ""
    event_type: str = ""
    facts: dict[str, Any] = Field(default_factory=dict)
    occurred_at: str = ""
    location: dict[str, Any] | None = None
    claim_reference: str | None = None
    poll_seq: int = 0
    insured: dict[str, Any] | None = None
    object: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None
    facts_revision: int = Field(0, description="The event's facts revision the message carries (file) or announces")


def _per_insurer(request: FanoutRequest) -> list[InsurerRequest]:
    """One filing per insurer (an insurer with several policies on the object gets one claim, on the first)."""
    seen: dict[str, InsurerRequest] = {}
    for policy in request.policies:
        if policy.insurer_id in seen:
            continue
        seen[policy.insurer_id] = InsurerRequest(
            kind="file",
            risk_event_id=request.risk_event_id,
            insurer_id=policy.insurer_id,
            policy_number=policy.policy_number,
            product=policy.product,
            event_type=request.event_type,
            facts=request.facts,
            occurred_at=request.occurred_at,
            location=request.location,
            insured=request.insured,
            object=request.object,
            reporter=request.reporter,
            facts_revision=request.facts_revision,
        )
    return list(seen.values())


class SqsInsurerQueue:
    """The insurer-requests queue on SQS: messages sent in batches of 10."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs, self._url = sqs, queue_url

    def send(self, messages: list[InsurerRequest], *, delay_s: int = 0) -> list[InsurerRequest]:
        """Sends messages in batches of 10; returns those SQS accepted."""
        accepted: list[InsurerRequest] = []
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [
                {"Id": str(n), "MessageBody": m.model_dump_json(), "DelaySeconds": max(0, min(delay_s, 900))}
                for n, m in enumerate(chunk)
            ]
            result = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            accepted += [chunk[int(ok["Id"])] for ok in result.get("Successful", [])]
            for failed in result.get("Failed", []):
                log.warning("insurer request not queued: %s", json.dumps(failed))
        return accepted


class Dispatcher:
    """Tells every insurer on an event (see the module docstring); `clock` is the platform's clock."""

    def __init__(self, progress: ProgressStore, queue: InsurerQueue, clock: Clock) -> None:
        self.progress, self.queue, self.clock = progress, queue, clock

    def dispatch(self, request: FanoutRequest) -> None:
        """One `file` message per (event, insurer) and a `pending` progress entry for each insurer; idempotent per
        (event, insurer) (see the module docstring). Raises when SQS refuses a message, so the caller can
        retry."""
        repo = self.progress
        messages = _per_insurer(request)
        if not messages:
            return
        at = now_rfc3339()
        before = repo.claim_dispatch(request.risk_event_id, [m.insurer_id for m in messages], at)
        accepted: list[InsurerRequest] = []
        if before is None:
            # The first dispatch: entries written 25 at a time, each 25 sent as soon as they exist, so the first
            # insurers are called while the last entries are still being written.
            for start in range(0, len(messages), 25):
                chunk = messages[start : start + 25]
                repo.write_pending(request.risk_event_id, [(m.insurer_id, m.policy_number) for m in chunk], at)
                accepted += self.queue.send(chunk)
            to_send = messages
        else:
            to_send = self._redispatch(request.risk_event_id, messages, at)
            accepted = self.queue.send(to_send) if to_send else []
        if len(accepted) < len(to_send):
            raise TransientError(f"{len(to_send) - len(accepted)} insurer request(s) were not queued; dispatch again.")

    def _redispatch(self, risk_event_id: str, messages: list[InsurerRequest], at: str) -> list[InsurerRequest]:
        """What a later dispatch sends: insurers without an entry (new ones, or ones a failed earlier call never
        wrote; their entries created here, conditionally), and insurers still `pending` without an answer whose
        claim is not being filed right now (their first message may have been lost; a repeat is harmless: the
        consumer POSTs only from the insurer's filing slot, never once an answer is recorded)."""
        repo = self.progress
        existing = repo.states(risk_event_id, [m.insurer_id for m in messages])
        to_send: list[InsurerRequest] = []
        now = self.clock()
        for message in messages:
            stored = existing.get(message.insurer_id)
            if stored is not None:
                filing = stored.filing_until > now
                if stored.status == "pending" and not stored.answered and not filing:
                    to_send.append(message)
            elif repo.open_pending(risk_event_id, message.insurer_id, message.policy_number, at):
                # New, or dispatched before by a call that failed before writing its entry.
                to_send.append(message)
        return to_send

    def forward_facts(self, risk_event_id: str, facts_revision: int) -> None:
        """One `facts` message per insurer already filed with (its claim reference recorded, not unreachable): the
        consumer sends that insurer the event's latest facts through the connector, once per revision. Insurers
        not filed with yet get the latest facts when their first answer is recorded. Raises when SQS refuses a
        message."""
        messages = [
            InsurerRequest(
                kind="facts",
                risk_event_id=risk_event_id,
                insurer_id=entry.insurer_id,
                policy_number=entry.policy_number or "",
                claim_reference=entry.claim_reference,
                facts_revision=facts_revision,
            )
            for entry in self.progress.timeline(risk_event_id)
            if entry.claim_reference and entry.status != "unreachable"
        ]
        if messages and len(self.queue.send(messages)) < len(messages):
            raise TransientError("Some facts messages were not queued.")
