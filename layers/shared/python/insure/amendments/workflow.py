"""The amendment workflow's tasks (statemachines/amendment.asl.json), run by the issuance workflow's functions:
each takes the state's small payload, does one thing and writes the resulting status to the amendment record,
which is what clients read. Writes are conditional on the amendment's status, so a retried task cannot move an
amendment twice; every end (declined, expired, failed, issued) releases the policy for the next change."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.amendments.repository import AmendmentRecord, AmendmentRepository
from insure.applications.offers import rfc3339
from insure.errors import Conflict, NotFound
from insure.payments.processor import CardProcessor
from insure.policies.proration import Term, allocate_refund, premium_difference
from insure.policies.repository import PaymentRecord, PolicyRepository
from insure.types import Money

if TYPE_CHECKING:
    from insure.billing.renewals import RenewalService
    from insure.policies.models import Actor
    from insure.policies.repository import StoredPolicy
    from insure.risk.policy_tags import ItemTags

MAX_PAYMENT_ATTEMPTS = 3
STRIPPED = ("item_id", "tag_id")  # kept on the policy's items, never underwriting facts


class StaleExecution(Exception):
    """The amendment has moved on; this execution must not touch it."""


def underwriting_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in STRIPPED} for item in items]


@dataclass
class AmendmentTasks:
    amendments: AmendmentRepository
    policies: PolicyRepository
    processor: CardProcessor
    table: str
    bucket: str
    offer_ttl_s: int
    payment_ttl_s: int
    public_base_url: str
    item_tags: ItemTags
    renewals: RenewalService | None = None  # re-offers a renewal the amendment made stale

    def _record(self, event: dict[str, Any]) -> AmendmentRecord:
        record = self.amendments.get(event["policy_number"], event["amendment_id"])
        if record is None:
            raise NotFound(f"No amendment {event['amendment_id']}.")
        return record

    def _change(self, record: AmendmentRecord, **changes: Any) -> AmendmentRecord:
        try:
            # the record as this task read it: its write is conditional on that revision
            return self.amendments.change(record.policy_number, record.amendment_id, read=record, **changes)
        except Conflict as conflict:
            raise StaleExecution(str(conflict)) from None

    def underwrite(self, event: dict[str, Any]) -> dict[str, Any]:
        """Decide on the amended item list against the current rulebook; a decline is recorded here, with its
        reasons, and leaves the policy as it was."""
        from insure.products.models import ApplicationInput
        from insure.underwriting import underwrite

        record = self._record(event)
        fields = {k: v for k, v in record.application.items() if k not in {"quote_id", "referrer"}}
        fields["items"] = underwriting_items(record.items)
        decision = underwrite(ApplicationInput.model_validate(fields))
        decided = decision.model_dump(mode="json")
        if not decision.approved:
            if record.status == "underwriting":
                self._change(
                    record, set_fields={"status": "declined", "decision": decided}, when_status=("underwriting",)
                )
            self.policies.release(record.policy_number, record.amendment_id)
        return {"approved": decision.approved, "decision": decided}

    def offer(self, event: dict[str, Any]) -> dict[str, Any]:
        """The amended offer: the new annual premium, the pro-rata difference, the terms and their hash."""
        record = self._record(event)
        premium = event["premium"]
        term = Term(dt.date.fromisoformat(record.term["start"]), dt.date.fromisoformat(record.term["end"]))
        difference = premium_difference(
            term,
            Decimal(record.previous_premium["amount"]),
            Decimal(premium["amount"]),
            dt.date.fromisoformat(record.effective_date),
        )
        settlement = "charge" if difference > 0 else "refund" if difference < 0 else "none"
        from insure.amendments.terms import amendment_terms

        terms = amendment_terms(record, premium, difference, *self._policy_terms(event, record))
        now = timestamps.current()
        base = self.public_base_url.rstrip("/")
        offer = {
            "offer_id": uuid.uuid4().hex,
            "premium": premium,
            "previous_premium": record.previous_premium,
            "premium_difference": {"amount": str(difference), "currency": "USD"},
            "settlement": settlement,
            "terms_url": f"{base}/policies/{record.policy_number}/amendments/{record.amendment_id}/terms",
            "terms_sha256": hashlib.sha256(terms.encode()).hexdigest(),
            "expires_at": rfc3339(now + dt.timedelta(seconds=self.offer_ttl_s)),
        }
        return {
            "offer": offer,
            "terms": terms,
            "settlement": settlement,
            "acceptance_timeout_s": self.offer_ttl_s,
            "payment_timeout_s": self.payment_ttl_s,
        }

    def _policy_terms(self, event: dict[str, Any], record: AmendmentRecord) -> tuple[Decimal, str]:
        """(the minimum premium of the rulebook the change was underwritten on (the policy's when the workflow
        does not pass it), the policy's payment plan)."""
        from insure.policies.changes import minimum_premium

        stored = self.policies.get(record.policy_number)
        version = event.get("rulebook_version") or (stored.current.rulebook_version if stored else None)
        return minimum_premium(version), (stored.current.payment_plan if stored else "annual")

    def await_callback(self, event: dict[str, Any]) -> dict[str, Any]:
        """Store the task token the customer's next action (acceptance or payment) will complete."""
        record = self._record(event)
        kind = event["kind"]
        fields: dict[str, Any] = {"task_token": event["token"], "task_kind": kind}
        if kind == "acceptance":
            fields |= {
                "status": "offered",
                "offer": event["offer"],
                "terms": event["terms"],
                "decision": event["decision"],
            }
            self._change(record, set_fields=fields, when_status=("underwriting",))
        else:
            self._change(record, set_fields=fields, when_status=("accepted", "payment_failed"))
        return {"stored": kind}

    def charge(self, event: dict[str, Any]) -> dict[str, Any]:
        """Settle the difference: charge a positive one to the card given, refund a negative one to the cards that
        paid, original first; nothing for none. A declined card is recorded as payment_failed with its code."""
        record = self._record(event)
        offer = record.offer or {}
        difference = Decimal(offer["premium_difference"]["amount"])
        if offer["settlement"] == "charge":
            return self._charge(record, event["payment"], difference)
        settlement: dict[str, Any] = {
            "kind": offer["settlement"],
            "amount": {"amount": str(abs(difference)), "currency": "USD"},
        }
        if offer["settlement"] == "refund":
            lowered, refunded = self._refund(record, -difference)
            settlement |= {
                "refunded": Money.of(refunded).model_dump(),
                "installments_lowered": Money.of(lowered).model_dump(),
            }
        if record.settlement is None:
            self._change(record, set_fields={"settlement": settlement}, when_status=("accepted",))
        return {"settled": True, "attempts": 0}

    def _charge(self, record: AmendmentRecord, payment: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        from insure.payments.tokens import TokenStore

        attempt = int(payment["attempt"])
        result = self.processor.charge(
            TokenStore(self.table).token_for(payment["payment_ref"], record.amendment_id),
            Money.of(amount),
            idempotency_key=f"{record.amendment_id}:{attempt}",
            reference=record.amendment_id,
        )
        card = {"brand": payment.get("brand"), "last4": payment.get("last4")}
        shown: dict[str, Any] = {"kind": "charge", "amount": Money.of(amount).model_dump(), **card, "attempts": attempt}
        if result.approved:
            self.policies.put_payment(
                record.policy_number,
                PaymentRecord(
                    record_id=f"{record.amendment_id}:charge",
                    kind="charge",
                    amount=str(amount),
                    at=rfc3339(timestamps.current()),
                    version=record.base_version + 1,
                    reference=record.amendment_id,
                    processor_id=result.charge_id,
                    card={k: str(v) for k, v in card.items() if v},
                    made_by="customer",
                ),
            )
            status = "paid"
        else:
            status = "payment_failed"
            shown |= {"decline_code": result.decline_code, "decline_message": result.message}
        self._change(
            record,
            set_fields={"status": status, "settlement": shown, "payment_attempts": attempt},
            when_status=("accepted", "payment_failed"),
            when={"payment_attempts": attempt - 1},
        )
        return {"settled": result.approved, "attempts": attempt}

    def _refund(self, record: AmendmentRecord, amount: Decimal) -> tuple[Decimal, Decimal]:
        """Settle a decrease of `amount` for the rest of the term: it lowers the term's installments not yet
        charged (the last first, never their plan fee), then the rest is refunded to the cards that paid premium
        for the term, never more than that premium (`proration.decrease_settlement`). A retry lowers nothing twice
        (each installment records the amendments that lowered it) and splits the refund the same way. Returns
        (lowered, refunded)."""
        from insure.billing.repository import BillingRepository
        from insure.errors import TransientError
        from insure.policies.changes import initial_charge, paid_charges, term_at
        from insure.policies.proration import decrease_settlement, premium_paid, refundable_charges

        stored = self.policies.get(record.policy_number)
        if stored is None:
            raise NotFound(f"No policy {record.policy_number}.")
        term = term_at(stored.versions, record.base_version)
        # what this amendment refunded on an earlier try is left out, so a retry splits the refund the same way
        records = [r for r in self.policies.payments(record.policy_number) if r.reference != record.amendment_id]
        first_charge, card, first_amount = initial_charge(stored.versions[0].application_id, self.table)
        charges = paid_charges(stored.versions, first_charge, first_amount, records)
        billing = BillingRepository(self.table)
        installments = [i for i in billing.installments(record.policy_number) if i.term == term]
        done = sum(
            (Decimal(i.adjustments[record.amendment_id]) for i in installments if record.amendment_id in i.adjustments),
            Decimal(0),
        )
        open_ = [
            i
            for i in installments
            if i.status in ("scheduled", "failed")
            and i.attempts == i.settled
            and record.amendment_id not in i.adjustments
        ]
        cuts, refund = decrease_settlement(
            amount - done, [Decimal(i.amount) - Decimal(i.fee) for i in open_], premium_paid(charges, term)
        )
        for installment, cut in zip(open_, cuts, strict=True):
            if cut > 0 and not billing.lower(installment, str(cut), amendment_id=record.amendment_id):
                raise TransientError(f"installment {installment.installment} changed meanwhile; settle again")
        refund_to(
            self.processor,
            self.policies,
            record.policy_number,
            refundable_charges(charges, term),
            refund,
            reference=record.amendment_id,
            version=record.base_version + 1,
            card=card,
        )
        return done + sum(cuts, Decimal(0)), refund

    def issue(self, event: dict[str, Any]) -> dict[str, Any]:
        """Issue the amended policy as a new version with its own document; the policy is free to change again."""
        from insure.policies.changes import after_version_stored, item_changes, next_version
        from insure.policies.issuance import applicant_of, document_context, store_document
        from insure.policies.models import Change
        from insure.policies.notices import tell_holder_of

        record = self._record(event)
        stored = self.policies.get(record.policy_number)
        if stored is None:
            raise NotFound(f"No policy {record.policy_number}.")
        number = record.base_version + 1
        version = stored.version(number)
        if version is None:
            base = stored.version(record.base_version) or stored.current
            premium = Money(**(record.offer or {})["premium"])
            changes = item_changes(base.items, record.items)
            if premium != base.premium:
                changes.append(Change(kind="premium", before=base.premium.amount, after=premium.amount))
            version = next_version(
                base,
                change="amended",
                made_by="customer",
                in_force_from=dt.date.fromisoformat(record.effective_date),
                changes=changes,
                items=record.items,
                premium=premium,
                amendment_id=record.amendment_id,
                rulebook_version=(record.decision or {}).get("rulebook_version"),
            )
            if self.policies.add_version(stored, version):
                stored = replace(stored, versions=[*stored.versions, version])  # as stored: not read back
            else:  # a retry, or another writer, stored it first
                stored = self.policies.get(record.policy_number) or stored
            version = stored.version(number) or version
        if record.status != "issued":
            self._change(
                record,
                set_fields={"status": "issued", "version": number},
                remove=("task_token", "task_kind"),
                when_status=("accepted", "paid"),
            )
        self.policies.release(record.policy_number, record.amendment_id)
        # the applicant and the policy are read once, for the tags, the document and the notice
        applicant = applicant_of(version.application_id, self.table)
        after_version_stored(version, self.item_tags, applicant=applicant, session_hash=stored.session_hash)
        store_document(self.bucket, version, context=document_context(version, applicant=applicant, stored=stored))
        # once per channel, whatever the retries (keyed)
        tell_holder_of(version, session_hash=stored.session_hash, applicant=applicant)
        self._reoffer_renewal(stored)
        return {"version": number}

    def _reoffer_renewal(self, stored: StoredPolicy) -> None:
        """A renewal offered before this amendment is decided again against the amended policy, and the customer
        told (`RenewalService.reoffer`). Never undoes the issue: should it fail, the renewal is decided again when
        it is next read or acted on."""
        if self.renewals is None:
            return
        try:
            self.renewals.reoffer(stored)
        except Exception:  # noqa: BLE001 - the amended policy is issued whatever happens to its renewal offer
            from aws_lambda_powertools import Logger

            Logger(service="insurance-platform").exception(
                "renewal re-offer", extra={"policy": stored.current.policy_number}
            )

    def record(self, event: dict[str, Any]) -> dict[str, Any]:
        """Record an end status (expired, failed) and free the policy; a no-op when the amendment moved on."""
        record = self._record(event)
        status = event["status"]
        failure: dict[str, Any] = {"reason": event.get("reason")}
        if status == "failed":
            failure["error"] = (event.get("error") or {}).get("Error", "Unknown")
        try:
            self.amendments.change(
                record.policy_number,
                record.amendment_id,
                set_fields={"status": status, "failure": failure},
                remove=("task_token", "task_kind"),
                when_status=("underwriting", "offered", "accepted", "payment_failed", "paid"),
            )
        except Conflict:
            return {"recorded": False}
        finally:
            self.policies.release(record.policy_number, record.amendment_id)
        return {"recorded": True}


def refund_to(
    processor: CardProcessor,
    policies: PolicyRepository,
    policy_number: str,
    charges: list[tuple[str, Decimal]],
    amount: Decimal,
    *,
    reference: str,
    version: int,
    card: dict[str, str],
    made_by: Actor = "customer",
) -> list[PaymentRecord]:
    """Refund `amount` over the policy's charges (original card first), keeping a payment record per refund.
    Idempotency keys are derived from `reference`, so a retry refunds nothing twice."""
    from insure.errors import TransientError

    kept = []
    for index, (charge_id, part) in enumerate(allocate_refund(charges, amount)):
        result = processor.refund(
            charge_id,
            Money.of(part),
            idempotency_key=f"{reference}:refund:{index}",
            reason=reference.split(":", maxsplit=1)[0],
        )
        if not result.refunded:
            raise TransientError(f"the processor refused the refund: {result.error}")
        record = PaymentRecord(
            record_id=f"{reference}:refund:{index}",
            kind="refund",
            amount=str(part),
            at=rfc3339(timestamps.current()),
            version=version,
            reference=reference,
            processor_id=result.refund_id,
            charge_id=charge_id,
            card=card if index == 0 else {},
            made_by=made_by,
        )
        policies.put_payment(policy_number, record)
        kept.append(record)
    return kept
