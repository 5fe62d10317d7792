"""The issuance workflow's tasks (statemachines/issuance.asl.json): each takes the state's small JSON payload,
does one thing and writes the resulting status to the application item, which is what clients read.

Writes are conditional on the application's status and on the submission the execution belongs to, so a stale
or retried execution cannot move an application it no longer owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from insure import metrics, timestamps
from insure.applications.offers import make_offer
from insure.applications.ports import ApplicationStore, PaymentTokens, Underwriting
from insure.applications.repository import ApplicationRecord
from insure.applications.status import MAX_PAYMENT_ATTEMPTS, Status, predecessors
from insure.errors import Conflict, NotFound
from insure.payments.processor import CardProcessor
from insure.policies.models import PolicyVersion
from insure.types import Money


class StaleExecution(Exception):
    """The execution belongs to an earlier submission of the application; it must not touch it."""


class PolicyIssuer(Protocol):
    def policy_of(self, application: ApplicationRecord) -> PolicyVersion: ...

    def store(self, policy: PolicyVersion, application: ApplicationRecord) -> None: ...

    def tag_items(self, policy: PolicyVersion, application: ApplicationRecord) -> None: ...

    def store_document(self, policy: PolicyVersion) -> None: ...

    def tell_holder(self, policy: PolicyVersion, application: ApplicationRecord) -> None: ...


@dataclass
class IssuanceTasks:
    """The workflow's tasks over their collaborators (repositories, processor, issuer), injected."""

    applications: ApplicationStore
    processor: CardProcessor
    payment_tokens: PaymentTokens
    issuer: PolicyIssuer
    underwriting: Underwriting
    offer_ttl_s: int
    public_base_url: str
    grace_days: int = 10

    def _current(self, application_id: str, submission: int) -> ApplicationRecord:
        record = self.applications.get(application_id)
        if record is None:
            raise NotFound(f"No application {application_id}.")
        if record.submissions != submission:
            raise StaleExecution(f"{application_id} is at submission {record.submissions}, not {submission}")
        return record

    def _submission(self, submission: int) -> dict[str, Any]:
        return {"submissions": submission}

    def underwrite(self, event: dict[str, Any]) -> dict[str, Any]:
        """Decide on the application; a decline is recorded with its reasons here and ends the workflow."""
        from insure.products.models import ApplicationInput

        application_id, submission = event["application_id"], int(event["submission"])
        stored = event.get("application") or dict(self._current(application_id, submission).input)
        fields = {k: v for k, v in stored.items() if k not in {"quote_id", "referrer"}}
        decision = self.underwriting.underwrite(ApplicationInput.model_validate(fields))
        decided = decision.model_dump(mode="json")
        self.applications.keep_decision(application_id, submission, decided)
        if not decision.approved:
            self.applications.change(
                application_id,
                set_fields={"status": "declined", "decision": decided},
                when_status=("underwriting",),
                when_equal=self._submission(submission),
            )
        return {"approved": decision.approved, "decision": decided, "application": stored}

    def offer(self, event: dict[str, Any]) -> dict[str, Any]:
        """The offer (terms, their hash, expiry, the payment plans with their schedules) for an approved
        application; written by the acceptance wait."""
        from decimal import Decimal

        from insure.billing.catalog import offered_plans
        from insure.policies.changes import minimum_premium

        plans = offered_plans(event.get("rulebook_version"), Decimal(event["premium"]["amount"]), timestamps.today())
        made = make_offer(
            event["application_id"],
            event["application"],
            event["premium"],
            offer_ttl_s=self.offer_ttl_s,
            session_expires_at_epoch=int(event["session_expires_at_epoch"]),
            public_base_url=self.public_base_url,
            payment_plans=plans,
            grace_days=self.grace_days,
            minimum_premium=minimum_premium(event.get("rulebook_version")),
        )
        return {
            "offer": made.public(),
            "terms": made.terms,
            "acceptance_timeout_s": made.acceptance_timeout_s,
            "payment_timeout_s": made.payment_timeout_s,
        }

    def await_callback(self, event: dict[str, Any]) -> dict[str, Any]:
        """Store the task token the person's next action (acceptance or payment) will complete."""
        application_id, submission, kind = event["application_id"], int(event["submission"]), event["kind"]
        fields: dict[str, Any] = {"task_token": event["token"], "task_kind": kind}
        when_status: tuple[Status, ...]
        if kind == "acceptance":
            fields |= {"status": "offered", "offer": event["offer"], "terms": event["terms"]}
            fields["decision"] = event["decision"]
            when_status = ("underwriting",)
        else:
            when_status = ("accepted", "payment_failed")
        try:
            self.applications.change(
                application_id, set_fields=fields, when_status=when_status, when_equal=self._submission(submission)
            )
        except Conflict as conflict:
            raise StaleExecution(str(conflict)) from None
        return {"stored": kind}

    def charge(self, event: dict[str, Any]) -> dict[str, Any]:
        """Charge the first installment of the chosen plan (the whole premium on the annual plan) to the card; a
        decline is recorded as payment_failed with its code. The card is first kept at the processor as a reusable
        payment method (a customer and payment method id, never the number) for later installments and renewals.
        The token is held for the application and named by its reference: it never travels in the workflow."""
        from insure.payments.processor import SavedCard

        application_id, submission = event["application_id"], int(event["submission"])
        payment = event["payment"]
        attempt = int(payment["attempt"])  # counted by the payment endpoint; the write below checks it
        key = f"{application_id}:{submission}:{attempt}"
        saved: SavedCard = self.processor.save_card(
            self.payment_tokens.token_for(payment["payment_ref"], application_id),
            reference=application_id,
            idempotency_key=key,
        )
        amount = Money(**payment["amount"]) if payment.get("amount") else Money(**event["premium"])
        result = self.processor.charge_saved(saved, amount, idempotency_key=key, reference=application_id)
        shown = {
            "brand": payment.get("brand"),
            "last4": payment.get("last4"),
            "attempts": attempt,
            "payment_plan": payment.get("payment_plan") or "annual",
            "amount": amount.model_dump(),
            "charge_id": result.charge_id,
        }
        if result.approved:
            status: Status = "paid"
            shown |= {
                "paid_at": timestamps.now(),
                "authorization_id": result.authorization_id,
                "customer_id": saved.customer_id,
                "payment_method_id": saved.payment_method_id,
            }
        else:
            status = "payment_failed"
            shown |= {"decline_code": result.decline_code, "decline_message": result.message}
        self.applications.keep_payment_attempt(application_id, attempt, shown, approved=result.approved)
        self.applications.change(
            application_id,
            set_fields={"status": status, "payment": shown, "payment_attempts": attempt},
            when_status=("accepted", "payment_failed"),
            when_equal={"payment_attempts": attempt - 1, "submissions": submission},
        )
        if not result.approved:
            metrics.count(metrics.PAYMENTS_DECLINED)
        return {
            "approved": result.approved,
            "attempts": attempt,
            "max_attempts": MAX_PAYMENT_ATTEMPTS,
            "payment": shown if result.approved else None,
        }

    def issue(self, event: dict[str, Any]) -> dict[str, Any]:
        """Issue the policy (number, dates, PDF) and mark the application issued."""
        application_id, submission = event["application_id"], int(event["submission"])
        if "application" in event:  # everything issuance needs travels in the workflow's state: no read
            record = ApplicationRecord(
                application_id=application_id,
                session_hash=event["session"]["hash"],
                session_expires_at_epoch=int(event["session"]["expires_at_epoch"]),
                status="paid",
                input=event["application"],
                created_at="",
                updated_at="",
                submissions=submission,
                offer=event["offer"],
                decision={"rulebook_version": event.get("rulebook_version")},
                payment=(event.get("charge") or {}).get("payment"),
            )
        else:
            record = self._current(application_id, submission)
        policy = self.issuer.policy_of(record)
        self.issuer.store(policy, record)
        self.issuer.tag_items(policy, record)  # before the status: an issued policy's items always have their tags
        try:
            self.applications.change(
                application_id,
                set_fields={"status": "issued", "policy_number": policy.policy_number},
                remove=("task_token", "task_kind"),
                when_status=("paid",),
                when_equal=self._submission(submission),
            )
        except Conflict:
            current = self._current(application_id, submission)
            if current.status != "issued" or current.policy_number != policy.policy_number:
                raise
            # a retried issuance: already recorded (and counted)
        else:
            metrics.count(metrics.POLICIES_ISSUED)
        # The document follows the status, so the person's wait ends first; a retry renders it again, and the
        # document endpoint renders a missing one on demand.
        self.issuer.store_document(policy)
        self.issuer.tell_holder(policy, application=record)  # once per channel, whatever the retries (keyed)
        return {"policy_number": policy.policy_number}

    def record(self, event: dict[str, Any]) -> dict[str, Any]:
        """Record an end status (expired, failed); a no-op when the application already moved on."""
        status: Status = event["status"]
        fields: dict[str, Any] = {"status": status}
        if status == "failed":
            error = event.get("error") or {}
            fields["failure"] = {"error": error.get("Error", "Unknown"), "reason": event.get("reason")}
        else:
            fields["failure"] = {"reason": event.get("reason")}
        try:
            self.applications.change(
                event["application_id"],
                set_fields=fields,
                remove=("task_token", "task_kind"),
                when_status=predecessors(status),
                when_equal=self._submission(int(event["submission"])),
            )
        except Conflict:
            return {"recorded": False}
        return {"recorded": True}
