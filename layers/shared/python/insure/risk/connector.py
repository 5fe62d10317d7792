"""The insurer connector: the two calls the platform makes on an insurer's claims API, signed with the insurer's
webhook secret (Standard Webhooks headers), over one pooled, thread-safe HTTP client.

- `POST {base_url}/claims` {risk_event_id, policy_number, event_type, facts, occurred_at, location}
  → 201 {claim_reference, status}. The platform sends `Idempotency-Key: <risk_event_id>:<insurer_id>` and a
  `webhook-id` derived from it, so a repeated filing (a duplicate delivery) names the same claim.
- `GET {base_url}/claims/{claim_reference}` → 200 {status, updated_at, note}.
- `POST {base_url}/claims/{claim_reference}/facts` {risk_event_id, facts, updated_at} → 200 or 204: facts learned
  after filing, with a `webhook-id` per (event, insurer, facts revision), so a retried delivery is applied once.

Timeouts, connection errors, 429 and 5xx are `InsurerUnavailable` (worth retrying); other 4xx or an answer that
is not the contract's shape are `InsurerRejected` (retrying will not help). An insurer's text (claim reference,
note) is checked as its webhooks' is (`insure.types`): one with NUL, control characters or bidi overrides is an
answer outside the contract, so none of it reaches a person.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field, ValidationError

from insure.errors import TransientError
from insure.risk.insurers import Insurer
from insure.types import MultilineText, Text

ClaimStatus = Literal["received", "assessing", "approved", "denied", "paid", "closed"]
ClaimReference = Annotated[Text, Field(min_length=1, max_length=200)]
"""An insurer's claim reference, checked as its webhooks' is: one line, no control characters or bidi overrides."""
InsurerNote = Annotated[MultilineText, Field(max_length=2000)]
"""An insurer's note (it reaches the customer's status message), checked as its webhooks' notes are."""


class InsurerUnavailable(TransientError):
    """The insurer did not answer usefully this time (timeout, connection refused, 5xx, 429)."""


class InsurerRejected(Exception):
    """The insurer refused the call for good (4xx) or answered outside the contract."""


class ClaimFiling(BaseModel):
    risk_event_id: str
    policy_number: str
    event_type: str
    facts: dict[str, Any]
    occurred_at: str
    location: dict[str, Any] | None = None
    insured: dict[str, Any] | None = None
    object: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None


class FactsUpdate(BaseModel):
    """Facts learned after the claim was filed: the event's whole current facts."""

    risk_event_id: str
    facts: dict[str, Any]
    updated_at: str


class ClaimFiled(BaseModel):
    claim_reference: ClaimReference
    status: ClaimStatus


class ClaimProgress(BaseModel):
    status: ClaimStatus
    updated_at: str
    note: InsurerNote | None = None


def pool() -> Any:
    """The pooled, thread-safe HTTP client the connector calls insurers with (one per execution environment: the
    composition root builds it)."""
    import urllib3

    return urllib3.PoolManager(num_pools=64, maxsize=16, retries=False)


class InsurerConnector:
    """Calls insurers' claims APIs over `http` (a urllib3 pool, `pool()`); `timeout_s` bounds each call."""

    def __init__(self, http: Any, timeout_s: float = 5.0) -> None:
        self.timeout_s = timeout_s
        self._http = http

    def _request(
        self, insurer: Insurer, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        import urllib3

        from insure.signatures import sign

        signed = sign(insurer.signing_secret, body, message_id=headers.pop("webhook-id", None))
        try:
            response = self._http.request(
                method,
                f"{insurer.base_url}{path}",
                body=body or None,
                headers={"content-type": "application/json", "accept": "application/json", **headers, **signed},
                timeout=urllib3.Timeout(total=self.timeout_s),
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as error:
            raise InsurerUnavailable(f"{insurer.insurer_id}: {type(error).__name__}") from error
        status: int = response.status
        if status == 429 or status >= 500:
            raise InsurerUnavailable(f"{insurer.insurer_id}: HTTP {status}")
        if status >= 300:
            raise InsurerRejected(f"{insurer.insurer_id}: HTTP {status}: {response.data[:200]!r}")
        return status, response.data

    def file_claim(self, insurer: Insurer, filing: ClaimFiling) -> ClaimFiled:
        """Files the claim; the same (event, insurer) always carries the same idempotency key."""
        key = f"{filing.risk_event_id}:{insurer.insurer_id}"
        body = filing.model_dump_json().encode()
        _, data = self._request(
            insurer, "POST", "/claims", body, {"Idempotency-Key": key, "webhook-id": f"claim_{key.replace(':', '_')}"}
        )
        try:
            return ClaimFiled.model_validate_json(data)
        except ValidationError as error:
            raise InsurerRejected(f"{insurer.insurer_id}: unexpected claim response {data[:200]!r}") from error

    def send_facts(self, insurer: Insurer, claim_reference: str, update: FactsUpdate, *, message_id: str) -> None:
        """Sends facts learned after filing; the same `message_id` for the same facts, so the insurer applies a
        retried delivery once."""
        path = f"/claims/{quote(claim_reference, safe='')}/facts"
        self._request(insurer, "POST", path, update.model_dump_json().encode(), {"webhook-id": message_id})

    def claim_progress(self, insurer: Insurer, claim_reference: str) -> ClaimProgress:
        _, data = self._request(insurer, "GET", f"/claims/{quote(claim_reference, safe='')}", b"", {})
        try:
            return ClaimProgress.model_validate(json.loads(data))
        except (ValidationError, ValueError) as error:
            raise InsurerRejected(f"{insurer.insurer_id}: unexpected progress response {data[:200]!r}") from error
