"""In-memory fakes of the ports the application service, the issuance tasks and the amendment service take
(`insure.applications.ports`, `insure.amendments.ports`, `insure.applications.engine.WorkflowEngine`,
`insure.payments.processor.CardProcessor`): the services run their real logic in a unit test, without moto.

Each fake keeps what it was asked to do (`started`, `completed`, `charges`, ...) for the test to read, and keeps the
conditions its real counterpart enforces (a conditional change that does not hold is a Conflict, an
Idempotency-Key replays the first outcome and refuses another payload) so the services meet the same refusals."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from insure import timestamps
from insure.amendments.repository import AmendmentRecord
from insure.applications.repository import ApplicationRecord
from insure.errors import Conflict, FieldError, RuleViolation
from insure.payments.cards import Card
from insure.payments.processor import CardToken, ChargeResult, RefundResult, SavedCard
from insure.payments.tokens import TokenOfAnotherSession, UnknownTokenReference
from insure.policies.models import PolicyVersion
from insure.policies.repository import StoredPolicy
from insure.sessions import Session
from insure.types import Money
from insure.underwriting.models import Decision, Reason

DECLINED_CARD = "4000000000000002"
"""The card number the fake processor declines (as the simulator does)."""


class FakeApplications:
    """`ApplicationStore` over a dict: conditional changes as the repository makes them (status, version, equal
    fields), the version bumped on every change."""

    def __init__(self) -> None:
        self.records: dict[str, ApplicationRecord] = {}
        self.extra_items: list[dict[str, Any]] = []
        self.kept_decisions: dict[str, dict[int, dict[str, Any]]] = {}
        self.kept_attempts: dict[str, dict[int, tuple[bool, dict[str, Any]]]] = {}

    def create(self, record: ApplicationRecord, *then_put: dict[str, Any]) -> None:
        if record.application_id in self.records:
            raise Conflict("exists")
        self.records[record.application_id] = copy.deepcopy(record)
        self.extra_items.extend(then_put)

    def get(self, application_id: str, *, consistent: bool = True) -> ApplicationRecord | None:
        found = self.records.get(application_id)
        return copy.deepcopy(found) if found else None

    def peek(self, application_id: str) -> ApplicationRecord | None:
        return self.get(application_id)

    def keep_decision(self, application_id: str, submission: int, decision: dict[str, Any]) -> None:
        self.kept_decisions.setdefault(application_id, {}).setdefault(submission, decision)  # first one kept

    def decisions(self, application_id: str) -> list[dict[str, Any]]:
        kept = self.kept_decisions.get(application_id, {})
        return [{"submission": n, "decided_at": "", "decision": d} for n, d in sorted(kept.items())]

    def keep_payment_attempt(
        self, application_id: str, attempt: int, payment: dict[str, Any], *, approved: bool
    ) -> None:
        self.kept_attempts.setdefault(application_id, {}).setdefault(attempt, (approved, copy.deepcopy(payment)))

    def update(self, application_id: str, **changes: Any) -> ApplicationRecord:
        self.change(application_id, **changes)
        found = self.get(application_id)
        assert found is not None
        return found

    def change(
        self,
        application_id: str,
        *,
        set_fields: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        add: dict[str, int] | None = None,
        when_status: tuple[str, ...] | None = None,
        when_version: int | None = None,
        when_equal: dict[str, Any] | None = None,
    ) -> None:
        record = self.records.get(application_id)
        if record is None:
            raise Conflict("The application changed meanwhile; its current state does not allow this.")
        holds = (
            (when_status is None or record.status in when_status)
            and (when_version is None or record.version == when_version)
            and all(getattr(record, name) == value for name, value in (when_equal or {}).items())
        )
        if not holds:
            raise Conflict("The application changed meanwhile; its current state does not allow this.")
        for name, value in (set_fields or {}).items():
            if hasattr(record, name):
                setattr(record, name, copy.deepcopy(value))
        for name in remove:
            if hasattr(record, name):
                setattr(record, name, None)
        for name, amount in (add or {}).items():
            setattr(record, name, getattr(record, name) + amount)
        record.version += 1
        record.updated_at = timestamps.now()

    def set(self, application_id: str, **fields: Any) -> None:
        """Move a record as the workflow would (test setup)."""
        self.change(application_id, set_fields=fields)


class FakeSessions:
    """`SessionItems`: the item is the session itself, kept by `FakeApplications.create`."""

    def item(self, session: Session) -> dict[str, Any]:
        return {"session": session}


class FakeEngine:
    """`WorkflowEngine`: records the executions started and the tasks completed; `on_complete` plays the
    workflow's next steps (the test decides what they do)."""

    def __init__(self, on_complete: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.completed: list[tuple[str, dict[str, Any]]] = []
        self.on_start: Callable[[str, dict[str, Any]], None] | None = None
        self.on_complete = on_complete

    def start(self, name: str, payload: dict[str, Any]) -> None:
        if any(started == name for started, _ in self.started):
            return  # named executions start once
        self.started.append((name, copy.deepcopy(payload)))
        if self.on_start is not None:
            self.on_start(name, payload)

    def complete(self, token: str, output: dict[str, Any]) -> None:
        self.completed.append((token, copy.deepcopy(output)))
        if self.on_complete is not None:
            self.on_complete(token, output)


class FakeIdempotency:
    """`Idempotency` in memory: the first result per (scope, key) replayed; another payload is 422."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
        self.effects = 0

    def run_once(self, scope: str, key: str, payload: Any, effect: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        found = self.kept.get((scope, key))
        if found is not None:
            if found[0] != payload:
                raise RuleViolation("This Idempotency-Key was already used with a different request body.")
            return copy.deepcopy(found[1])
        self.effects += 1
        result = effect()
        self.kept[(scope, key)] = (copy.deepcopy(payload), copy.deepcopy(result))
        return result

    def once_per_key(
        self, scope: str, key: str | None, payload: Any, effect: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        key = (key or "").strip()
        return self.run_once(scope, key, payload, effect) if key else effect()


class FakeCards:
    """`CardProcessor` in memory: `DECLINED_CARD` is declined, every other valid card approved."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[Card, str | None]] = {}
        self.charges: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self._charged_keys: dict[str, ChargeResult] = {}

    def tokenize(self, card: Card, *, client_reference: str | None = None) -> CardToken:
        token = f"tok_{len(self.tokens) + 1}"
        self.tokens[token] = (card, client_reference)
        return self.describe(token)

    def describe(self, token: str) -> CardToken:
        if token not in self.tokens:
            message = "This payment token is unknown."
            raise RuleViolation(message, errors=[FieldError("payment_token", message)])
        card, reference = self.tokens[token]
        return CardToken(token, "visa", card.number[-4:], reference)

    def charge(self, token: str, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult:
        return self._charge(self.tokens[token][0].number, amount, idempotency_key, reference)

    def refund(self, charge_id: str, amount: Money, *, idempotency_key: str, reason: str) -> RefundResult:
        self.refunds.append({"charge_id": charge_id, "amount": amount, "reason": reason})
        return RefundResult(True, f"re_{len(self.refunds)}")

    def save_card(self, token: str, *, reference: str, idempotency_key: str) -> SavedCard:
        card = self.tokens[token][0]
        return SavedCard(f"cus_{reference}", f"pm_{token}", "visa", card.number[-4:])

    def charge_saved(self, card: SavedCard, amount: Money, *, idempotency_key: str, reference: str) -> ChargeResult:
        number = self.tokens[card.payment_method_id.removeprefix("pm_")][0].number
        return self._charge(number, amount, idempotency_key, reference)

    def _charge(self, number: str, amount: Money, key: str, reference: str) -> ChargeResult:
        if key in self._charged_keys:
            return self._charged_keys[key]
        approved = number != DECLINED_CARD
        self.charges.append({"number_last4": number[-4:], "amount": amount, "reference": reference, "ok": approved})
        result = (
            ChargeResult(True, f"ch_{len(self.charges)}", authorization_id=f"auth_{len(self.charges)}")
            if approved
            else ChargeResult(False, f"ch_{len(self.charges)}", "card_declined", "Your card was declined.")
        )
        self._charged_keys[key] = result
        return result


class FakeTokens:
    """`PaymentTokens`: a token bound to the first holder that presents it (or the one it was created for)."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[str, str]] = {}

    def hold(self, holder: str, token: CardToken, *, session_expires_at_epoch: int) -> str:
        if token.client_reference is not None and token.client_reference != holder:
            raise TokenOfAnotherSession()
        reference = "ref_" + token.token
        if reference in self.held and self.held[reference][0] != holder:
            raise TokenOfAnotherSession()
        self.held[reference] = (holder, token.token)
        return reference

    def token_for(self, reference: str, holder: str) -> str:
        found = self.held.get(reference)
        if found is None or found[0] != holder:
            raise UnknownTokenReference(reference)
        return found[1]


def decision(approved: bool = True, premium: str = "137.81") -> Decision:
    reasons = [] if approved else [Reason(rule_id="BAR-1", sentence="Not insurable here.", kind="bar")]
    return Decision(
        approved=approved,
        reasons=reasons,
        premium=Money(amount=premium, currency="USD") if approved else None,
        multiplier="1.00",
        rulebook_version="computer",  # no "@version": annual only, read from no store
        decided_at=timestamps.now(),
    )


class FakeUnderwriting:
    """`Underwriting`: a state in `refused_states` is an intake field error; `approve` decides the rest."""

    def __init__(self, *, approve: bool = True, refused_states: tuple[str, ...] = ("WY",)) -> None:
        self.approve = approve
        self.refused_states = refused_states
        self.decided: list[Any] = []

    def check_intake(self, application: Any) -> None:
        if application.state in self.refused_states:
            message = f"This product is not sold in {application.state}."
            raise RuleViolation(message, errors=[FieldError("state", message)])

    def underwrite(self, application: Any) -> Decision:
        self.decided.append(application)
        return decision(self.approve)


class FakeQuotes:
    def __init__(self, *known: str) -> None:
        self.ids = set(known)

    def known(self, quote_id: str) -> bool:
        return quote_id in self.ids


class FakeOwners:
    """`SessionOwners`: the sessions linked to customers."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []

    def link_session(self, customer_id: str, session_hash: str, application_id: str, at: str) -> bool:
        self.links.append((customer_id, session_hash, application_id))
        return True


class FakeIssuer:
    """`PolicyIssuer`: the real first version (`PolicyIssuance.policy_of`, pure), and a record of each step."""

    def __init__(self) -> None:
        self.stored: list[PolicyVersion] = []
        self.tagged: list[str] = []
        self.documents: list[str] = []
        self.told: list[str] = []

    def policy_of(self, application: ApplicationRecord) -> PolicyVersion:
        from insure.policies.issuance import PolicyIssuance

        return PolicyIssuance(policies=None, bucket="unused", item_tags=None).policy_of(application)  # type: ignore[arg-type]

    def store(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        if all(p.policy_number != policy.policy_number for p in self.stored):
            self.stored.append(policy)

    def tag_items(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        self.tagged.append(policy.policy_number)

    def store_document(self, policy: PolicyVersion) -> None:
        self.documents.append(policy.document_key)

    def tell_holder(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        self.told.append(policy.policy_number)


class FakePolicies:
    """`OwnedPolicies` and `PolicyTurns`: stored policies owned by one caller (by `Caller.owns`), and the one
    change in flight per policy."""

    def __init__(self) -> None:
        self.policies: dict[str, StoredPolicy] = {}
        self.in_flight: dict[str, str] = {}

    def add(self, stored: StoredPolicy) -> None:
        self.policies[stored.current.policy_number] = stored

    def owned(self, policy_number: str, caller: Any) -> StoredPolicy:
        from insure.callers import owned

        return owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")

    def claim(self, policy_number: str, holder: str) -> None:
        if self.in_flight.get(policy_number, holder) != holder:
            raise Conflict(f"Another change ({self.in_flight[policy_number]}) is in progress on this policy.")
        self.in_flight[policy_number] = holder

    def release(self, policy_number: str, holder: str, *, cancelled: bool = False) -> None:
        if self.in_flight.get(policy_number) == holder:
            del self.in_flight[policy_number]


class FakeAmendments:
    """`AmendmentStore` over a dict, with the repository's conditions (status, equal fields)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], AmendmentRecord] = {}

    def create(self, record: AmendmentRecord) -> None:
        self.records[(record.policy_number, record.amendment_id)] = copy.deepcopy(record)

    def get(self, policy_number: str, amendment_id: str) -> AmendmentRecord | None:
        found = self.records.get((policy_number, amendment_id))
        return copy.deepcopy(found) if found else None

    def change(
        self,
        policy_number: str,
        amendment_id: str,
        *,
        set_fields: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        when_status: tuple[str, ...] | None = None,
        when: dict[str, Any] | None = None,
        read: AmendmentRecord | None = None,  # the store's own copy is always current here
    ) -> AmendmentRecord:
        current = self.records.get((policy_number, amendment_id))
        if current is None:
            raise Conflict(f"No amendment {amendment_id}.")
        if when_status is not None and current.status not in when_status:
            raise Conflict(f"The amendment is {current.status}; it cannot move from there.")
        if any(getattr(current, name) != value for name, value in (when or {}).items()):
            raise Conflict("The amendment changed meanwhile; its current state does not allow this.")
        updated = dataclasses.replace(current, **copy.deepcopy(set_fields or {}))
        for name in remove:
            setattr(updated, name, None)
        updated.revision += 1
        self.records[(policy_number, amendment_id)] = updated
        return copy.deepcopy(updated)

    def settlement_versions(self, amendment_id: str) -> list[Any]:
        return []

    def only(self) -> AmendmentRecord:
        (record,) = self.records.values()
        return copy.deepcopy(record)


class IssuanceWorkflow:
    """The issuance state machine's path (statemachines/issuance.asl.json: Underwrite, Offer, WaitForAcceptance,
    WaitForPayment, Charge, Issue) played synchronously with the real tasks, as a `FakeEngine`'s `on_start` and
    `on_complete`: each task gets the payload the state machine would build."""

    def __init__(self, tasks: Any, engine: FakeEngine) -> None:
        self.tasks = tasks
        self.waiting: dict[str, dict[str, Any]] = {}
        engine.on_start, engine.on_complete = self.start, self.complete

    def start(self, name: str, payload: dict[str, Any]) -> None:
        state = copy.deepcopy(payload)
        ids = {"application_id": state["application_id"], "submission": state["submission"]}
        state["underwriting"] = self.tasks.underwrite({**ids, "application": state["application"]})
        if not state["underwriting"]["approved"]:
            return
        decided = state["underwriting"]["decision"]
        state["offer"] = self.tasks.offer(
            {
                **ids,
                "session_expires_at_epoch": state["session_expires_at_epoch"],
                "application": state["underwriting"]["application"],
                "premium": decided["premium"],
                "rulebook_version": decided["rulebook_version"],
            }
        )
        token = f"{name}:acceptance"
        self.waiting[token] = state
        self.tasks.await_callback(
            {
                **ids,
                "kind": "acceptance",
                "token": token,
                "offer": state["offer"]["offer"],
                "terms": state["offer"]["terms"],
                "decision": decided,
            }
        )

    def complete(self, token: str, output: dict[str, Any]) -> None:
        state = self.waiting.pop(token)
        ids = {"application_id": state["application_id"], "submission": state["submission"]}
        if token.endswith(":acceptance"):
            state["acceptance"] = output
            self._wait_for_payment(state, 1)
            return
        state["payment"] = output
        state["charge"] = self.tasks.charge({**ids, "payment": output, "premium": state["offer"]["offer"]["premium"]})
        if state["charge"]["approved"]:
            state["policy"] = self.tasks.issue(
                {
                    **ids,
                    "application": state["underwriting"]["application"],
                    "offer": state["offer"]["offer"],
                    "rulebook_version": state["underwriting"]["decision"]["rulebook_version"],
                    "session": state["session"],
                    "charge": state["charge"],
                }
            )
        elif state["charge"]["attempts"] < state["charge"]["max_attempts"]:
            self._wait_for_payment(state, state["charge"]["attempts"] + 1)

    def _wait_for_payment(self, state: dict[str, Any], attempt: int) -> None:
        token = f"{state['application_id']}-{state['submission']}:payment:{attempt}"
        self.waiting[token] = state
        self.tasks.await_callback(
            {
                "application_id": state["application_id"],
                "submission": state["submission"],
                "kind": "payment",
                "token": token,
            }
        )
