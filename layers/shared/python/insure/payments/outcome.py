"""What a payment attempt ended in, as the idempotency store replays it for a repeated Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insure.errors import Conflict, PaymentDeclined


@dataclass(frozen=True)
class Outcome:
    """A payment's outcome (application or amendment): its view (200 issued, 202 still running), or why it was
    refused (`declined`: the processor's decline; `ended`: it expired or failed meanwhile), which `raise_refusal`
    raises as a domain error, so the problem is built where every other one is (`insure.http.problems`)."""

    status_code: int
    body: dict[str, Any]
    refused: str | None = None

    def raise_refusal(self) -> Outcome:
        members = {k: v for k, v in self.body.items() if k != "detail"}
        if self.refused == "declined":
            raise PaymentDeclined(self.body["detail"], extensions=members)
        if self.refused == "ended":
            raise Conflict(self.body["detail"], extensions=members)
        return self
