"""Claim progress pushed by insurers: `POST /webhooks/insurers/{insurer_id}`, signed with that insurer's secret.

Order of checks: a request without the three signature headers is 401 before anything is looked up; an unknown
insurer is then 404 (insurer ids are random and already in the URL the insurer was given, so the 404 reveals
nothing a signature would protect); a bad or stale signature is 401. Only a verified body is parsed (malformed
JSON 400, a broken field 422). A `webhook-id` is applied once (Powertools idempotency, any body: the id is what
Standard Webhooks senders repeat on retries); a repeat is acknowledged with 204, a repeat still in flight is 409.
A status lower than the one recorded is acknowledged and ignored; an unknown (event, claim) is 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from insure import timestamps
from insure.errors import DomainError, NotFound, RuleViolation, field_errors
from insure.risk.progress_models import InsurerStatus
from insure.types import MultilineText, Text

if TYPE_CHECKING:
    from insure.risk.insurers import Insurer
    from insure.risk.ports import Idempotency, InsurerLookup
    from insure.risk.progress import ProgressService


class InsurerWebhook(BaseModel):
    """A claim-progress update from an insurer (no envelope)."""

    risk_event_id: Text = Field(min_length=1, max_length=100)
    claim_reference: Text = Field(min_length=1, max_length=200)
    status: InsurerStatus
    updated_at: AwareDatetime
    note: MultilineText | None = Field(None, max_length=2000)


class InsurerWebhooks:
    """Receives insurers' progress updates: applied through the progress logic, once per `webhook-id`."""

    def __init__(self, insurers: InsurerLookup, progress: ProgressService, idempotency: Idempotency) -> None:
        self.insurers, self.progress, self.idempotency = insurers, progress, idempotency

    def receive(self, insurer_id: str, headers: Mapping[str, str] | None, body: str) -> None:
        """Verifies, deduplicates and applies one insurer webhook (see the module docstring for the order)."""
        from insure.signatures import verify_request

        signer: list[Insurer] = []  # the insurer the path names, once the headers are there

        def secrets() -> tuple[str, ...] | None:
            found = self.insurers.get(insurer_id)
            signer[:] = [found] if found is not None else []
            return found.webhook_secrets if found is not None else None

        webhook_id = verify_request(
            headers, body, sender="insurer", secrets=secrets, unknown=lambda: NotFound(f"No insurer {insurer_id}.")
        )
        (insurer,) = signer
        try:
            update = InsurerWebhook.model_validate_json(body)
        except ValidationError as error:
            if any(e["type"] == "json_invalid" for e in error.errors()):
                raise DomainError("The body is not valid JSON.") from error
            raise RuleViolation("The progress update is not valid.", errors=field_errors(error)) from error

        def effect() -> dict[str, Any]:
            applied = self.progress.apply_update(
                update.risk_event_id,
                insurer.insurer_id,
                update.status,
                updated_at=timestamps.rfc3339(update.updated_at),
                note=update.note,
                source="webhook",
                claim_reference=update.claim_reference,
            )
            return {"applied": applied is not None}

        self.idempotency.run_once("insurer-webhook", f"{insurer.insurer_id}:{webhook_id}", "", effect)
