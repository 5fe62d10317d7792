"""The application lifecycle as the API drives it: open (with a session), change, submit, accept, pay.

The workflow writes every status change to the application item; the API reads that item (never the execution
history) and, where the contract says it waits briefly, polls it for a short while."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from insure.applications.engine import WorkflowEngine
from insure.applications.models import (
    AcceptRequest,
    ApplicationCreated,
    ApplicationPatch,
    ApplicationRequest,
    ApplicationView,
    PaymentRequest,
)
from insure.applications.offers import acceptance_of
from insure.applications.ports import (
    ApplicationStore,
    Idempotency,
    PaymentTokens,
    Quotes,
    SessionItems,
    SessionOwners,
    Underwriting,
)
from insure.applications.repository import DRAFT_TTL_ATTRIBUTE, ApplicationRecord, now_iso
from insure.applications.status import EDITABLE, MAX_PAYMENT_ATTEMPTS, SUBMITTABLE
from insure.applications.views import view
from insure.callers import Caller, Customer, owned
from insure.errors import Conflict, FieldError, NotFound, RuleViolation, field_errors
from insure.payments.outcome import Outcome, card_token, pay_once, required_key, settled
from insure.payments.processor import CardProcessor
from insure.sessions import Session, open_session, token_hash
from insure.timestamps import from_epoch

PAYING: frozenset[str] = frozenset({"accepted", "payment_failed"})


@dataclass
class ApplicationService:
    applications: ApplicationStore
    sessions: SessionItems
    engine: WorkflowEngine
    session_ttl_s: int
    wait_ms: int
    fingerprint_key: Callable[[], bytes]
    payment_tokens: PaymentTokens
    underwriting: Underwriting
    quotes: Quotes
    idempotency: Idempotency
    cards: CardProcessor
    session_owners: SessionOwners
    poll_first_s: float = 0.005
    poll_max_s: float = 0.015
    sleep: Callable[[float], None] = time.sleep

    def intake(self, request: ApplicationRequest) -> None:
        """Refuse, with field errors, what the person must correct before applying (state, limits, quote id)."""
        self.underwriting.check_intake(request.underwriting_input())
        if request.quote_id is not None and not self.quotes.known(request.quote_id):
            message = "This quote is unknown or has expired; ask for a new quote or leave quote_id out."
            raise RuleViolation(message, errors=[FieldError("quote_id", message)])

    # -- reading --------------------------------------------------------------------------------------------
    def owned(self, application_id: str, caller: Caller) -> ApplicationRecord:
        """The application, if the caller owns it (404 someone else's, as for an unknown one)."""
        return owned(self.applications.get(application_id), caller, missing=f"No application {application_id}.")

    def get(self, application_id: str, caller: Caller) -> ApplicationView:
        from insure.applications.models import DecisionRecord

        shown = view(self.owned(application_id, caller))
        shown.decisions = [DecisionRecord.model_validate(d) for d in self.applications.decisions(application_id)]
        return shown

    def terms(self, application_id: str, caller: Caller) -> str:
        record = self.owned(application_id, caller)
        if not record.terms:
            raise NotFound("This application has no offer yet.")
        return record.terms

    def wait(
        self, application_id: str, done: Callable[[ApplicationRecord], bool], *, full: bool = True
    ) -> ApplicationRecord:
        """Poll the application until `done` or the wait budget is spent; the last state read (the whole item
        when `full`, else only the watched attributes)."""
        deadline = time.monotonic() + self.wait_ms / 1000
        delay = self.poll_first_s
        while True:
            peeked = self.applications.peek(application_id)  # a small projection: polls stay cheap
            if peeked is None:
                raise NotFound(f"No application {application_id}.")
            left = deadline - time.monotonic()
            if done(peeked) or left <= 0:
                if not full:
                    return peeked
                record = self.applications.get(application_id)
                if record is None:
                    raise NotFound(f"No application {application_id}.")
                return record
            self.sleep(min(delay, left))
            delay = min(delay * 1.5, self.poll_max_s)

    # -- changing -------------------------------------------------------------------------------------------
    def create(
        self, request: ApplicationRequest, caller: Caller | None = None, idempotency_key: str | None = None
    ) -> ApplicationCreated:
        """Opens the application in a new session; opened by a signed-in customer, it is theirs from the start.
        With an `Idempotency-Key`, a repeat (same body) gets the first response, the same session included: that
        session's token is derived (HMAC with the platform signing key over the application id, like reporter
        tokens), so the idempotency store keeps only the ids, no token."""
        self.intake(request)
        if not (idempotency_key or "").strip():
            return self._create(request, caller, derive_token=False)

        def effect() -> dict[str, Any]:
            created = self._create(request, caller, derive_token=True)
            return {"application_id": created.application_id, "expires_at": created.expires_at}

        first = self.idempotency.once_per_key("applications", idempotency_key, request.model_dump(mode="json"), effect)
        application_id = str(first["application_id"])
        return ApplicationCreated(
            application_id=application_id,
            session_token=self._session_token_of(application_id),
            expires_at=str(first["expires_at"]),
        )

    def _session_token_of(self, application_id: str) -> str:
        digest = hmac.new(self.fingerprint_key(), f"session-token:{application_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _create(self, request: ApplicationRequest, caller: Caller | None, *, derive_token: bool) -> ApplicationCreated:
        application_id = "app_" + uuid.uuid4().hex
        token, session = open_session(application_id, self.session_ttl_s)
        if derive_token:
            token = self._session_token_of(application_id)
            session = Session(token_hash(token), application_id, session.expires_at_epoch)
        stamp = now_iso()
        record = ApplicationRecord(
            application_id=application_id,
            session_hash=session.token_hash,
            session_expires_at_epoch=session.expires_at_epoch,
            status="draft",
            input=request.model_dump(mode="json"),
            created_at=stamp,
            updated_at=stamp,
        )
        self.applications.create(record, self.sessions.item(session))
        if isinstance(caller, Customer):
            self.session_owners.link_session(caller.customer_id, session.token_hash, application_id, stamp)
        expires = from_epoch(session.expires_at_epoch)
        return ApplicationCreated(application_id=application_id, session_token=token, expires_at=expires)

    def patch(self, application_id: str, patch: ApplicationPatch, caller: Caller) -> ApplicationView:
        record = self.owned(application_id, caller)
        if record.status not in EDITABLE:
            raise Conflict(f"The application is {record.status}; only a draft or declined application can change.")
        changes = patch.model_dump(mode="json", exclude_unset=True)
        try:
            request = ApplicationRequest.model_validate({**record.input, **changes})
        except ValidationError as error:
            raise RuleViolation("Some fields are missing or invalid.", errors=field_errors(error)) from None
        self.intake(request)
        updated = self.applications.update(
            application_id,
            set_fields={"status": "draft", "input": request.model_dump(mode="json")},
            remove=("decision", "offer", "terms", "failure"),
            when_status=tuple(EDITABLE),
            when_version=record.version,
        )
        return view(updated)

    def submit(self, application_id: str, caller: Caller) -> tuple[int, ApplicationView]:
        """Start underwriting (once per submission) and wait briefly for the decision: 200 decided, 202 not yet."""
        record = self.owned(application_id, caller)
        if record.status in SUBMITTABLE:
            submission = record.submissions + 1
            try:
                self.applications.change(
                    application_id,
                    set_fields={"status": "underwriting", "submissions": submission},
                    remove=("decision", "offer", "terms", "failure", DRAFT_TTL_ATTRIBUTE),  # kept from now on
                    when_status=tuple(SUBMITTABLE),
                    when_version=record.version,
                )
            except Conflict:
                pass  # a concurrent submit won; report what it started
            else:
                record.submissions = submission
                self._start(record, submission)
        record = self.wait(application_id, lambda r: r.status != "underwriting")
        return (202 if record.status == "underwriting" else 200), view(record)

    def _start(self, record: ApplicationRecord, submission: int) -> None:
        payload = {
            "application_id": record.application_id,
            "submission": submission,
            "session_expires_at_epoch": record.session_expires_at_epoch,
            "session": {"hash": record.session_hash, "expires_at_epoch": record.session_expires_at_epoch},
            "application": record.input,
        }
        try:
            self.engine.start(f"{record.application_id}-{submission}", payload)
        except Exception:
            self.applications.change(
                record.application_id,
                set_fields={"status": "draft"},
                when_status=("underwriting",),
                when_equal={"submissions": submission},
            )
            raise

    def accept(self, application_id: str, body: AcceptRequest, caller: Caller) -> ApplicationView:
        """Electronic acceptance: the offer id and the hash of the terms shown must match the offer."""
        record = self.owned(application_id, caller)
        accepted = acceptance_of(record, "application", body.offer_id, body.terms_sha256)
        if accepted is None:
            return view(record)  # a repeated acceptance
        token, acceptance = accepted
        self.applications.change(
            application_id,
            set_fields={"status": "accepted", "acceptance": acceptance},
            remove=("task_token", "task_kind"),
            when_status=("offered",),
            when_equal={"task_token": token},
        )
        self.engine.complete(token, {"offer_id": body.offer_id, "accepted_at": acceptance["at"]})
        record.status, record.acceptance, record.task_token, record.task_kind = "accepted", acceptance, None, None
        record.version, record.updated_at = record.version + 1, now_iso()
        return view(record)

    def pay(
        self,
        application_id: str,
        body: PaymentRequest,
        idempotency_key: str | None,
        caller: Caller,
    ) -> Outcome:
        """Pay the premium once per Idempotency-Key; a repeat gets the first outcome, another body 422."""
        required_key(idempotency_key)
        record = self.owned(application_id, caller)
        return pay_once(
            self.idempotency,
            f"payment:{application_id}",
            idempotency_key=idempotency_key,
            body=body,
            fingerprint_key=self.fingerprint_key,
            pay=lambda: self._pay(record, body),
        )

    def _pay(self, record: ApplicationRecord, body: PaymentRequest) -> Outcome:
        application_id = record.application_id
        if record.status not in PAYING or record.payment_attempts >= MAX_PAYMENT_ATTEMPTS:
            raise Conflict(f"The application is {record.status}; it is not awaiting payment.")
        plan = chosen_plan(record.offer or {}, body.payment_plan)
        token = card_token(self.cards, body, client_reference=application_id)
        # Bound to this application: a token created for another one, or first used by another, is refused before
        # anything is held or charged; the workflow gets only its reference.
        reference = self.payment_tokens.hold(
            application_id, token, session_expires_at_epoch=record.session_expires_at_epoch
        )
        record = self.wait(
            application_id,
            lambda r: (r.task_kind == "payment" and bool(r.task_token)) or r.status not in PAYING,
            full=False,
        )
        task_token = record.task_token
        if record.task_kind != "payment" or not task_token:
            raise Conflict(f"The application is {record.status}; it is not awaiting payment.")
        before = record.payment_attempts
        self.applications.change(
            application_id,
            remove=("task_token", "task_kind"),
            when_equal={"task_token": task_token},
        )
        self.engine.complete(
            task_token,
            {
                "payment_ref": reference,
                "brand": token.brand,
                "last4": token.last4,
                "attempt": before + 1,
                "payment_plan": plan["plan"],
                "amount": plan["schedule"][0]["amount"],
            },
        )
        record = self.wait(
            application_id,
            lambda r: (
                r.status in {"issued", "expired", "failed"}
                or (r.status == "payment_failed" and r.payment_attempts > before)
            ),
        )
        shown = view(record)
        payment = shown.payment

        def declined() -> dict[str, Any]:
            return {
                "detail": (payment.decline_message if payment else None) or "The card was declined.",
                "decline_code": payment.decline_code if payment else None,
                "attempts_remaining": payment.attempts_remaining if payment else 0,
            }

        return settled(record.status, "application", {"application_id": application_id}, shown, declined)


def chosen_plan(offer: dict[str, Any], name: str) -> dict[str, Any]:
    """The offer's payment plan called `name` (an offer made before plans existed: annual, the whole premium);
    a plan the offer does not list is a field error on `payment_plan`."""
    plans = offer.get("payment_plans") or []
    if not plans and name == "annual" and offer.get("premium"):
        premium = offer["premium"]
        return {"plan": "annual", "schedule": [{"installment": 1, "amount": premium}]}
    found = next((p for p in plans if p.get("plan") == name), None)
    if found is None:
        offered = ", ".join(str(p.get("plan")) for p in plans) or "annual"
        message = f"This offer cannot be paid {name}; choose one of its payment plans: {offered}."
        raise RuleViolation(message, errors=[FieldError("payment_plan", message)])
    return dict(found)
