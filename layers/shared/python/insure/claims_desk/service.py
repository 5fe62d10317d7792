"""The claims desk's work: the connector side (file a claim, report its progress, take facts learned later), as
any insurer's claims API answers the platform, and the adjusters' side (list open claims, move one with a note).

Connector calls are signed with the desk's webhook secret from the insurer registry, exactly as the platform signs
its calls to every insurer (`ClaimsDesk.verify_connector_call`). A filing is recorded once per incident and policy: its
reference is derived from (risk event, policy number), so a repeated filing names the same claim. Facts are applied
once per `webhook-id`. An adjuster's change is told to the risk event's timeline as a signed progress webhook from
the desk, through the same verification, deduplication and never-backwards rule as another insurer's webhooks
(`insure.risk.webhooks.InsurerWebhooks.receive`), called in-process rather than over the public API: an API
function calling its own API would only add a round trip."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from insure import timestamps
from insure.claims_desk.models import (
    NEXT,
    ClaimFiledView,
    ClaimProgressView,
    DeskClaim,
    DeskEntry,
    DeskFiling,
    DeskStatus,
    FactsDelivery,
    FactsReceived,
    StatusChange,
)
from insure.claims_desk.repository import DeskClaimRepository
from insure.errors import Conflict, NotFound, Unauthorized

if TYPE_CHECKING:
    from insure.risk.insurers import Insurer
    from insure.risk.ports import Idempotency


class Webhooks(Protocol):
    """The platform's insurer-webhook intake (`insure.risk.webhooks.InsurerWebhooks`)."""

    def receive(self, insurer_id: str, headers: Mapping[str, str] | None, body: str) -> None: ...


log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 8
REFERENCE_PREFIX = "PLT-"
POLICE_REPORT_EVENTS = frozenset({"theft"})


def _now() -> str:
    return timestamps.now()


def claim_reference_for(risk_event_id: str, policy_number: str) -> str:
    """One claim per incident and policy: the reference is derived from both."""
    digest = hashlib.sha256(f"desk:{risk_event_id}:{policy_number}".encode()).hexdigest()
    return REFERENCE_PREFIX + digest[:12].upper()


class ClaimsDesk:
    """The desk over its claims repository; `own_insurer` is the desk's registry record (read each time: its
    secret signs and verifies the desk's calls), `webhooks` the platform's webhook intake."""

    def __init__(
        self,
        repository: DeskClaimRepository,
        *,
        own_insurer: Callable[[], Insurer],
        webhooks: Webhooks,
        idempotency: Idempotency,
    ) -> None:
        self.repository, self.own_insurer, self.webhooks, self.idempotency = (
            repository,
            own_insurer,
            webhooks,
            idempotency,
        )

    def verify_connector_call(self, headers: Mapping[str, str] | None, body: str) -> str:
        """The `webhook-id` of a call signed with the desk's secret; 401 otherwise (before the body is read; a call
        without the signature headers is refused before the registry is read)."""
        from insure.signatures import verify_request

        return verify_request(
            headers,
            body,
            sender="connector",
            secrets=lambda: self.own_insurer().webhook_secrets,
            unknown=lambda: Unauthorized("The claims desk has no signing secret yet."),
        )

    # ---- connector side ------------------------------------------------------------------------------------------

    def file_claim(self, filing: DeskFiling) -> ClaimFiledView:
        """Records the claim (once per incident and policy) and answers with its reference and status."""
        reference = claim_reference_for(filing.risk_event_id, filing.policy_number)
        at = _now()
        claim = DeskClaim(
            claim_reference=reference,
            **filing.model_dump(),
            status="received",
            filed_at=at,
            updated_at=at,
            note="Claim received by the platform's claims desk",
            history=[DeskEntry(status="received", at=at, note="Claim received", by="intake")],
        )
        if self.repository.put_new(claim):
            log.info("desk claim filed", extra={"claim_reference": reference, "risk_event_id": filing.risk_event_id})
            return ClaimFiledView(claim_reference=reference, status="received")
        existing = self._get(reference)[0]
        return ClaimFiledView(claim_reference=reference, status=existing.status)

    def progress(self, claim_reference: str) -> ClaimProgressView:
        claim = self._get(claim_reference)[0]
        return ClaimProgressView(status=claim.status, updated_at=claim.updated_at, note=claim.note)

    def receive_facts(self, claim_reference: str, delivery: FactsDelivery, webhook_id: str) -> bool:
        """Applies facts learned after filing, once per `webhook-id` (a repeat is acknowledged, not applied again);
        True when this call applied them."""
        claim = self._get(claim_reference)[0]
        if claim.risk_event_id != delivery.risk_event_id:
            raise NotFound(f"No claim {claim_reference} for risk event {delivery.risk_event_id}.")

        def effect() -> dict[str, Any]:
            received = FactsReceived(
                webhook_id=webhook_id, received_at=_now(), updated_at=delivery.updated_at, facts=delivery.facts
            )

            def with_facts(current: DeskClaim) -> dict[str, Any] | None:
                if any(u.webhook_id == webhook_id for u in current.facts_updates):
                    return None
                return {
                    "facts": {**current.facts, **delivery.facts},
                    "facts_updates": [*current.facts_updates, received],
                    "event_type": str(delivery.facts.get("event_type") or current.event_type),
                }

            return {"applied": self._update(claim_reference, with_facts) is not None}

        # Keyed by the id alone, whatever the body: the id is what Standard Webhooks senders repeat on retries.
        result = self.idempotency.run_once("claims-desk-facts", webhook_id, "", effect)
        return bool(result.get("applied"))

    # ---- adjusters' side -----------------------------------------------------------------------------------------

    def open_claims(self, status: DeskStatus | None = None) -> list[DeskClaim]:
        claims = self.repository.list_open()
        return [c for c in claims if status is None or c.status == status]

    def get_claim(self, claim_reference: str) -> DeskClaim:
        return self._get(claim_reference)[0]

    def change_status(self, claim_reference: str, change: StatusChange) -> DeskClaim:
        """Moves the claim one step (409 for a move the desk does not make; the same status again is a no-op), then
        tells the risk event's timeline."""

        def moved(current: DeskClaim) -> dict[str, Any] | None:
            if current.status == change.status:
                return None
            if change.status not in NEXT[current.status]:
                allowed = ", ".join(sorted(NEXT[current.status])) or "nothing (the claim is closed)"
                raise Conflict(f"A {current.status} claim moves to {allowed}, not {change.status}.")
            if (
                change.status == "approved"
                and current.event_type in POLICE_REPORT_EVENTS
                and not current.facts.get("police_report_number")
            ):
                raise Conflict("A theft is approved once the police report number is known.")
            at = _now()
            entry = DeskEntry(status=change.status, at=at, note=change.note, by="adjuster")
            return {
                "status": change.status,
                "updated_at": at,
                "note": change.note,
                "history": [*current.history, entry],
            }

        updated = self._update(claim_reference, moved)
        if updated is None:
            return self._get(claim_reference)[0]
        self.deliver_progress(updated)
        return updated

    def deliver_progress(self, claim: DeskClaim) -> None:
        """The desk's progress webhook for the claim's current status, signed with its secret and received by the
        platform's webhook intake (deduplicated by its `webhook-id`, never moving a status backwards). A failure is
        logged: the change stands, and the fan-out's polls of the desk pick it up."""
        from insure.signatures import sign

        desk = self.own_insurer()
        body = json.dumps(
            {
                "risk_event_id": claim.risk_event_id,
                "claim_reference": claim.claim_reference,
                "status": claim.status,
                "updated_at": claim.updated_at,
                "note": claim.note,
            }
        )
        headers = sign(desk.signing_secret, body, message_id=f"desk_{claim.claim_reference}_{claim.status}")
        try:
            self.webhooks.receive(desk.insurer_id, headers, body)
        except Exception:  # the adjuster's decision is recorded; the timeline also learns it by polling
            log.warning("desk progress not delivered for %s", claim.claim_reference, exc_info=True)

    # ---- storage helpers -----------------------------------------------------------------------------------------

    def _get(self, claim_reference: str) -> tuple[DeskClaim, int]:
        found = self.repository.get(claim_reference)
        if found is None:
            raise NotFound(f"No claim {claim_reference}.")
        return found

    def _update(self, claim_reference: str, change: Any) -> DeskClaim | None:
        """Applies `change(claim) -> fields | None` with optimistic locking; the updated claim, or None when the change
        had nothing to do."""
        for _ in range(SAVE_ATTEMPTS):
            claim, version = self._get(claim_reference)
            fields = change(claim)
            if fields is None:
                return None
            updated = claim.model_copy(update=fields)
            if self.repository.replace(updated, version):
                return updated
        raise Conflict("The claim is being updated concurrently; retry shortly.")
