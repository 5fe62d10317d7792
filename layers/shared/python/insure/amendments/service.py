"""Amendments as the API drives them: submit the item list after the change (checked, then re-underwritten by the
amendment workflow), read it, accept the amended offer, pay a positive difference. Only the policy's owner may.

The workflow writes every status change to the amendment record; the API reads it (never the execution history)
and, where it waits briefly, polls it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insure.amendments.models import AmendmentRequest, AmendmentView, SettlementView
from insure.amendments.ports import AmendmentStore, ApplicationReader, OwnedPolicies, PolicyTurns
from insure.amendments.repository import AmendmentRecord
from insure.applications.engine import WorkflowEngine
from insure.applications.offers import acceptance_of
from insure.applications.ports import Idempotency, PaymentTokens, Underwriting
from insure.applications.repository import now_iso
from insure.callers import Caller
from insure.errors import Conflict, FieldError, NotFound, RuleViolation, field_errors
from insure.payments.outcome import Outcome, card_token, pay_once, required_key, settled
from insure.payments.processor import CardProcessor
from insure.policies.items import ITEM_ID, item_id
from insure.policies.models import PolicyVersion
from insure.policies.service import status_on, today

if TYPE_CHECKING:
    from insure.payments.history_repository import RecordVersion
    from insure.policies.repository import StoredPolicy

PAYING = ("accepted", "payment_failed")
ENDED = ("issued", "declined", "expired", "failed")
MAX_PAYMENT_ATTEMPTS = 3
PAYMENT_TOKEN_KEPT_S = 24 * 3600  # a held amendment token outlives any payment wait (then 7 more days, by TTL)


def view(record: AmendmentRecord, settlement_versions: Sequence[RecordVersion] = ()) -> AmendmentView:
    """The amendment as shown; `settlement_versions`, when read, are listed as the settlement's `records` (each
    attempt of a charge, or the refund, as its own version)."""
    from insure.amendments.models import AmendmentOffer
    from insure.underwriting.models import Decision

    settlement = None
    if record.settlement:
        records = [version.as_dict() for version in settlement_versions]
        settlement = SettlementView.model_validate({**record.settlement, "records": records})
    return AmendmentView(
        amendment_id=record.amendment_id,
        policy_number=record.policy_number,
        status=record.status,  # type: ignore[arg-type]
        effective_date=record.effective_date,
        base_version=record.base_version,
        items=record.items,
        decision=Decision.model_validate(record.decision) if record.decision else None,
        offer=AmendmentOffer.model_validate(record.offer) if record.offer else None,
        settlement=settlement,
        version=record.version,
        failure=record.failure,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def merged_items(
    policy_number: str, amendment_id: str, current: list[dict[str, Any]], wanted: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The item list after the change: a kept item is the stored one with the fields sent replacing its own, a
    new item gets a new id. Unknown or repeated ids are field errors (`changes.items[i].item_id`)."""
    stored = {item[ITEM_ID]: item for item in current if item.get(ITEM_ID)}
    errors: list[FieldError] = []
    seen: set[str] = set()
    result = []
    for index, item in enumerate(wanted):
        given = item.get(ITEM_ID)
        if given is None:
            result.append({ITEM_ID: item_id(policy_number, amendment_id, index), **item})
            continue
        field = f"changes.items[{index}].item_id"
        if not isinstance(given, str) or given not in stored:
            errors.append(
                FieldError(field, "This policy covers no item with this id; leave item_id out for a new item.")
            )
        elif given in seen:
            errors.append(FieldError(field, "This item is listed twice."))
        else:
            seen.add(given)
            result.append({**stored[given], **item})
    if errors:
        raise RuleViolation("Some items cannot be amended as sent.", errors=errors)
    return result


def check_dates(effective: dt.date, current: PolicyVersion, day: dt.date) -> None:
    """Today or later (no back-dating), within the term, not before the version in force from the latest date."""
    field = "effective_date"
    if effective < day:
        message = "No back-dating: the effective date must be today or later."
        raise RuleViolation(message, errors=[FieldError(field, message)])
    if effective >= dt.date.fromisoformat(current.expiry_date):
        message = f"The effective date must fall within the policy term (before {current.expiry_date})."
        raise RuleViolation(message, errors=[FieldError(field, message)])
    if effective < dt.date.fromisoformat(current.in_force_from):
        message = f"The current version is in force from {current.in_force_from}; amend from that day or later."
        raise RuleViolation(message, errors=[FieldError(field, message)])


def check_items(application: dict[str, Any], items: list[dict[str, Any]], underwriting: Underwriting) -> dict[str, Any]:
    """The application input with the new items, validated and checked at intake as an application's are (field
    errors name `changes.items[i]...`)."""
    from pydantic import ValidationError

    from insure.amendments.workflow import underwriting_items
    from insure.products.models import ApplicationInput

    fields = {k: v for k, v in application.items() if k not in {"quote_id", "referrer"}}
    fields["items"] = underwriting_items(items)
    try:
        parsed = ApplicationInput.model_validate(fields)
    except ValidationError as error:
        found = field_errors(error)
        raise RuleViolation("Some items are missing or invalid.", errors=_in_changes(found)) from None
    try:
        underwriting.check_intake(parsed)
    except RuleViolation as violation:
        raise RuleViolation(violation.detail, errors=_in_changes(violation.errors)) from None
    return {**application, "items": fields["items"]}


def _in_changes(errors: list[FieldError]) -> list[FieldError]:
    return [FieldError(f"changes.{e.field}" if e.field.startswith("items") else e.field, e.message) for e in errors]


@dataclass
class AmendmentService:
    policies: OwnedPolicies
    repository: PolicyTurns
    amendments: AmendmentStore
    applications: ApplicationReader
    engine: WorkflowEngine
    wait_ms: int
    fingerprint_key: Callable[[], bytes]
    payment_tokens: PaymentTokens
    cards: CardProcessor
    idempotency: Idempotency
    underwriting: Underwriting
    poll_first_s: float = 0.005
    poll_max_s: float = 0.015
    sleep: Callable[[float], None] = time.sleep

    def _owned(self, policy_number: str, amendment_id: str, caller: Caller) -> AmendmentRecord:
        self.policies.owned(policy_number, caller)
        record = self.amendments.get(policy_number, amendment_id)
        if record is None:
            raise NotFound(f"Policy {policy_number} has no amendment {amendment_id}.")
        return record

    def wait(self, record: AmendmentRecord, done: Callable[[AmendmentRecord], bool]) -> AmendmentRecord:
        deadline = time.monotonic() + self.wait_ms / 1000
        delay = self.poll_first_s
        while True:
            found = self.amendments.get(record.policy_number, record.amendment_id)
            if found is None:
                raise NotFound(f"No amendment {record.amendment_id}.")
            left = deadline - time.monotonic()
            if done(found) or left <= 0:
                return found
            self.sleep(min(delay, left))
            delay = min(delay * 1.5, self.poll_max_s)

    # -- reading --------------------------------------------------------------------------------------------
    def get(self, policy_number: str, amendment_id: str, caller: Caller) -> AmendmentView:
        record = self._owned(policy_number, amendment_id, caller)
        return view(record, self.amendments.settlement_versions(amendment_id) if record.settlement else ())

    def terms(self, policy_number: str, amendment_id: str, caller: Caller) -> str:
        record = self._owned(policy_number, amendment_id, caller)
        if not record.terms:
            raise NotFound("This amendment has no offer yet.")
        return record.terms

    # -- changing -------------------------------------------------------------------------------------------
    def submit(
        self, policy_number: str, body: AmendmentRequest, caller: Caller, idempotency_key: str | None = None
    ) -> AmendmentView:
        """Check the change, claim the policy for it (409 when another change is in flight or it is cancelled),
        start the amendment workflow and wait briefly for the decision. With an `idempotency_key`, a repeat
        submits nothing: it reads the amendment the first submitted (another body with the key is 422)."""
        stored = self.policies.owned(policy_number, caller)  # another's reads 404 before any key is looked at
        shown: list[AmendmentView] = []

        def effect() -> dict[str, Any]:
            shown.append(self._submit(stored, body))
            return {"amendment_id": shown[0].amendment_id}

        payload = body.model_dump(mode="json")
        submitted = self.idempotency.once_per_key(f"amendments:{policy_number}", idempotency_key, payload, effect)
        if shown:
            return shown[0]
        return self.get(policy_number, str(submitted["amendment_id"]), caller)

    def _submit(self, stored: StoredPolicy, body: AmendmentRequest) -> AmendmentView:
        policy_number, current = stored.current.policy_number, stored.current
        if current.cancellation is not None or status_on(current, today()) != "active":
            raise Conflict(f"The policy is {status_on(current, today())}; it cannot be amended.")
        check_dates(body.effective_date, current, today())
        amendment_id = "amd_" + uuid.uuid4().hex
        items = merged_items(policy_number, amendment_id, current.items, body.changes.items)
        application = self.applications.get(current.application_id)
        if application is None:
            raise NotFound(f"The application of policy {policy_number} is gone.")
        checked = check_items(application.input, items, self.underwriting)
        self.repository.claim(policy_number, amendment_id)
        stamp = now_iso()
        record = AmendmentRecord(
            amendment_id=amendment_id,
            policy_number=policy_number,
            status="underwriting",
            effective_date=body.effective_date.isoformat(),
            base_version=current.version,
            items=items,
            application=checked,
            term={"start": current.effective_date, "end": current.expiry_date},
            previous_premium=current.premium.model_dump(),
            created_at=stamp,
            updated_at=stamp,
        )
        try:
            self.amendments.create(record)
            self.engine.start(amendment_id, {"amendment_id": amendment_id, "policy_number": policy_number})
        except Exception:
            self.repository.release(policy_number, amendment_id)
            raise
        return view(self.wait(record, lambda r: r.status != "underwriting"))

    def accept(
        self, policy_number: str, amendment_id: str, offer_id: str, terms_sha256: str, caller: Caller
    ) -> AmendmentView:
        """Electronic acceptance: the offer id and the hash of the terms shown must match. With nothing to pay, the
        amendment is then settled and issued: the answer waits briefly for it."""
        record = self._owned(policy_number, amendment_id, caller)
        accepted = acceptance_of(record, "amendment", offer_id, terms_sha256)
        if accepted is None:
            return view(record)  # a repeated acceptance
        token, acceptance = accepted
        record = self.amendments.change(
            policy_number,
            amendment_id,
            set_fields={"status": "accepted", "acceptance": acceptance},
            remove=("task_token", "task_kind"),
            when_status=("offered",),
            when={"task_token": token},
            read=record,
        )
        self.engine.complete(token, {"offer_id": offer_id, "accepted_at": acceptance["at"]})
        if (record.offer or {}).get("settlement") != "charge":
            record = self.wait(record, lambda r: r.status in ENDED)
        return view(record)

    def pay(
        self,
        policy_number: str,
        amendment_id: str,
        body: Any,
        idempotency_key: str | None,
        caller: Caller,
    ) -> Outcome:
        """Pay the difference once per Idempotency-Key; a repeat gets the first outcome, another body 422."""
        required_key(idempotency_key)
        record = self._owned(policy_number, amendment_id, caller)
        return pay_once(
            self.idempotency,
            f"amendment-payment:{amendment_id}",
            idempotency_key=idempotency_key,
            body=body,
            fingerprint_key=self.fingerprint_key,
            pay=lambda: self._pay(record, body),
        )

    def _pay(self, record: AmendmentRecord, body: Any) -> Outcome:
        if (record.offer or {}).get("settlement") != "charge":
            return self._nothing_due(record)
        if record.status not in PAYING or record.payment_attempts >= MAX_PAYMENT_ATTEMPTS:
            raise Conflict(f"The amendment is {record.status}; it is not awaiting payment.")
        token = card_token(self.cards, body, client_reference=record.amendment_id)
        # Bound to this amendment as an application's payment is (insure.payments.tokens): a token created for, or
        # first used by, anything else is refused before anything is charged; the workflow gets only its reference.
        reference = self.payment_tokens.hold(
            record.amendment_id, token, session_expires_at_epoch=int(time.time()) + PAYMENT_TOKEN_KEPT_S
        )
        record = self.wait(
            record, lambda r: (r.task_kind == "payment" and bool(r.task_token)) or r.status not in PAYING
        )
        task_token = record.task_token
        if record.task_kind != "payment" or not task_token:
            raise Conflict(f"The amendment is {record.status}; it is not awaiting payment.")
        before = record.payment_attempts
        self.amendments.change(
            record.policy_number,
            record.amendment_id,
            remove=("task_token", "task_kind"),
            when={"task_token": task_token},
            read=record,
        )
        self.engine.complete(
            task_token,
            {"payment_ref": reference, "brand": token.brand, "last4": token.last4, "attempt": before + 1},
        )
        record = self.wait(
            record,
            lambda r: r.status in ENDED or (r.status == "payment_failed" and r.payment_attempts > before),
        )
        settlement, attempts = record.settlement or {}, record.payment_attempts

        def declined() -> dict[str, Any]:
            return {
                "detail": settlement.get("decline_message") or "The card was declined.",
                "decline_code": settlement.get("decline_code"),
                "attempts_remaining": max(0, MAX_PAYMENT_ATTEMPTS - attempts),
            }

        shown = view(record, self.amendments.settlement_versions(record.amendment_id))
        return settled(record.status, "amendment", {"amendment_id": record.amendment_id}, shown, declined)

    def _nothing_due(self, record: AmendmentRecord) -> Outcome:
        """The payment call of an amendment with nothing to charge (a refund or no difference): the refund is made
        at acceptance, so this charges and refunds nothing and answers with the amendment once it is accepted (200
        issued, 202 still issuing), as for a paid one."""
        if record.status not in ("accepted", "paid", "issued", "failed"):
            raise Conflict(
                f"The amendment is {record.status}: accept the amended offer; a negative difference is then refunded."
            )
        record = self.wait(record, lambda r: r.status in ENDED)
        return settled(record.status, "amendment", {"amendment_id": record.amendment_id}, view(record), dict)
