"""The billing run: what the scheduled `billing_run` function does each time it fires (hourly in AWS, on a timer in
the local cloud, whenever a test moves the clock and asks).

For every installment owed whose next try is today or earlier (the sparse `BILLING_DUE` index):
- the policy no longer active (cancelled or cancellation scheduled, lapsed, expired): the installment is closed
  `cancelled`, never charged;
- otherwise an attempt is claimed (`BillingRepository.start_attempt`: two runs at once charge it once) and the card
  kept at the processor is charged off-session with an idempotency key per (installment, attempt);
- paid: the installment records the processor's order id and authorization id, and a payment record is kept on
  the policy (the billing view and cancellation refunds read them);
- declined: the customer is told (template `installment_failed`, once per attempt, with the day of the next
  try) and the installment is tried again `retry_days` after its due date (3 and 7 by default); once no retry is
  left it waits for the end of the grace period (`billing_grace_days` after the due date, 10 by default), and the
  last notice (`installment_last_failed`) says so: the policy lapses that day unless the customer pays it (where);
- still unpaid at the end of the grace period: the policy lapses (a new version, status `lapsed`, in force from
  that day, its own document), the term's other installments are closed, a pending renewal is withdrawn, the
  customer is told (`policy_lapsed`). Dates in the e-mails are in words (`insure.policies.wording.long_date`).

A payment within the grace period (a retry that succeeds) clears the installment and nothing lapses."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.billing.records import BillingAccount, InstallmentRecord, Lost
from insure.billing.repository import BillingRepository
from insure.policies.repository import PaymentRecord, PolicyRepository, StoredPolicy

if TYPE_CHECKING:
    from insure.payments.processor import CardProcessor, SavedCard
    from insure.policies.models import Actor
    from insure.risk.policy_tags import ItemTags
    from insure.settings import PlatformSettings

LEASE_S = 120  # how long a run holds an attempt it started before another run may take it over

Notifier = Callable[..., Any]


@dataclass
class RunReport:
    """What one billing run did."""

    due: int = 0
    charged: int = 0
    declined: int = 0
    lapsed: int = 0
    cancelled: int = 0
    skipped: int = 0  # held or settled by another run, or not reached before the deadline
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k) for k in ("due", "charged", "declined", "lapsed", "cancelled", "skipped", "seconds")
        }


def _notify(*args: Any, **kwargs: Any) -> Any:
    from insure.notifications import notify

    return notify(*args, **kwargs)


BATCH = 100  # policies whose billing accounts a worker reads at once (BatchGetItem's limit), then settles in turn


def batches(items: list[Any], workers: int, most: int = BATCH) -> list[list[Any]]:
    """`items` in consecutive batches of at most `most`, small enough that every worker gets one when there are
    fewer than `workers` * `most`."""
    size = max(1, min(most, -(-len(items) // max(1, workers))))
    return [items[start : start + size] for start in range(0, len(items), size)]


def charge_installment(processor: CardProcessor, card: SavedCard, record: InstallmentRecord, attempt: int) -> Any:
    """Charge `record`'s claimed `attempt` to the kept `card` (the run's and a customer's own payment alike): one
    processor idempotency key per attempt, the installment as the charge's reference."""
    from insure.types import Money

    number, term, installment = record.policy_number, record.term, record.installment
    return processor.charge_saved(
        card,
        Money.of(Decimal(record.amount)),
        idempotency_key=f"installment:{number}:{term}:{installment}:{attempt}",
        reference=f"{number}:{term}:{installment}",
    )


def record_declined(
    billing: BillingRepository,
    record: InstallmentRecord,
    attempt: int,
    result: Any,
    *,
    at: str,
    next_attempt_on: str,
    made_by: Actor = "workflow",
) -> None:
    """A declined charge of `record`'s claimed `attempt`: settled failed, tried next on `next_attempt_on`."""
    billing.settle_failed(
        record,
        attempt,
        order_id=result.charge_id,
        code=result.decline_code,
        message=result.message,
        at=at,
        next_attempt_on=next_attempt_on,
        made_by=made_by,
    )


def record_paid(
    billing: BillingRepository,
    policies: PolicyRepository,
    stored: StoredPolicy,
    record: InstallmentRecord,
    *,
    attempt: int,
    result: Any,
    at: str,
    card: dict[str, str],
    by: str = "",
    made_by: Actor = "workflow",
) -> None:
    """An approved charge of `record`'s claimed `attempt`: the installment settled paid, then the policy's payment
    record (the run's and a customer's own payment alike; `by` ends the record's reference)."""
    billing.settle_paid(
        record, attempt, order_id=result.charge_id, authorization_id=result.authorization_id, at=at, made_by=made_by
    )
    policies.put_payment(
        record.policy_number,
        PaymentRecord(
            record_id=f"installment:{record.term:02d}:{record.installment:02d}",
            kind="charge",
            amount=record.amount,
            at=at,
            version=stored.current.version,
            reference=f"installment {record.installment} of term {record.term}{by}",
            processor_id=result.charge_id,
            card=card,
            installment=record.installment,
            term=record.term,
            attempts=attempt,
            authorization_id=result.authorization_id,
            fee=record.fee,
            made_by=made_by,
        ),
    )


@dataclass
class BillingRun:
    billing: BillingRepository
    policies: PolicyRepository
    processor: CardProcessor
    item_tags: ItemTags
    settings: PlatformSettings  # read once something is due (a run with nothing due reads no setting)
    notify: Notifier = field(default=_notify)

    def run(self, *, today: dt.date | None = None, deadline_s: float | None = None) -> RunReport:
        """Charge (or close, or lapse) everything due by `today` (the clock's), stopping new work `deadline_s`
        seconds from now (what a Lambda's remaining time allows: the rest waits for the next run)."""
        began = time.perf_counter()
        day = (today or timestamps.today()).isoformat()
        due = self.billing.due(day)
        report = RunReport(due=len(due))
        if not due:
            report.seconds = round(time.perf_counter() - began, 3)
            return report
        stop_at = None if deadline_s is None else began + deadline_s
        by_policy: dict[str, list[InstallmentRecord]] = {}
        for record in due:
            by_policy.setdefault(record.policy_number, []).append(record)

        def settle(batch: list[tuple[str, list[InstallmentRecord]]]) -> list[str]:
            accounts = self.billing.accounts([number for number, _ in batch])  # one read for the batch's accounts
            outcomes = []
            for number, records in batch:
                for record in records:  # one policy's installments in order, by one worker
                    if stop_at is not None and time.perf_counter() > stop_at:
                        outcomes.append("skipped")
                        continue
                    try:
                        outcomes.append(self._settle(record, day, accounts.get(number)))
                    except Lost:
                        outcomes.append("skipped")
            return outcomes

        workers = max(1, self.settings.billing_run_workers)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for outcomes in pool.map(settle, batches(list(by_policy.items()), workers)):
                for outcome in outcomes:
                    setattr(report, outcome, getattr(report, outcome) + 1)
        report.seconds = round(time.perf_counter() - began, 3)
        return report

    # -- one installment -----------------------------------------------------------------------------------
    def _settle(self, record: InstallmentRecord, day: str, account: BillingAccount | None) -> str:
        """Charge, close or lapse one installment; `account` is its policy's billing account as read for the
        batch (its kept card)."""
        from insure.payments.processor import SavedCard  # imported when a charge is due

        stored = self.policies.get(record.policy_number)
        if stored is None or not self._billable(stored, record):
            self.billing.close(record, "cancelled")
            return "cancelled"
        if record.status == "failed" and day >= self._lapse_day(record).isoformat():
            return self._lapse(stored, record, day)  # still declined when the grace period is over
        if account is None or not (account.customer_id and account.payment_method_id):
            return "skipped"  # no card kept (a policy from before installments): nothing to charge
        attempt = self.billing.start_attempt(record, today=day, now=int(timestamps.epoch()), lease_s=LEASE_S)
        card = SavedCard(account.customer_id, account.payment_method_id, account.brand, account.last4)
        result = charge_installment(self.processor, card, record, attempt)
        at = timestamps.now()
        if result.approved:
            record_paid(
                self.billing, self.policies, stored, record, attempt=attempt, result=result, at=at, card=account.card
            )
            return "charged"
        retry = self._next_try(record, dt.date.fromisoformat(day))
        record_declined(self.billing, record, attempt, result, at=at, next_attempt_on=retry.isoformat())
        self._tell_declined(account, record, attempt, result, retry)
        from insure import metrics

        metrics.count(metrics.PAYMENTS_DECLINED)
        return "declined"

    def _tell_declined(
        self, account: BillingAccount, record: InstallmentRecord, attempt: int, result: Any, retry: dt.date
    ) -> None:
        """Tell the customer the installment was declined: when the card is tried again, or, after the last
        retry (the next day is the end of grace, when the policy lapses without another charge), that the policy
        lapses on that day unless they pay it (and where)."""
        from insure.policies.wording import long_date, money

        lapse = self._lapse_day(record)
        number = record.policy_number
        data: dict[str, Any] = {
            "policy_number": number,
            "installment": record.installment,
            "amount": money(record.amount),
            "reason": result.message or "The card was declined.",
            "lapse_date": long_date(lapse),
        }
        if retry >= lapse:  # no retry left
            template, data["pay_url"] = (
                "installment_last_failed",
                f"{self.settings.web_address}/account/policies/{number}/pay",
            )
        else:
            template, data["next_attempt"] = "installment_failed", long_date(retry)
        key = f"installment-failed:{number}:{record.term}:{record.installment}:{attempt}"
        self._tell(account, template, data, key=key)

    @staticmethod
    def _billable(stored: StoredPolicy, record: InstallmentRecord) -> bool:
        """Whether the installment is still owed: the policy active (no cancellation, not lapsed) and the
        installment's term the one in force."""
        current = stored.current
        return current.status == "active" and current.cancellation is None and current.term == record.term

    def _lapse_day(self, record: InstallmentRecord) -> dt.date:
        return dt.date.fromisoformat(record.due_date) + dt.timedelta(days=self.settings.billing_grace_days)

    def _next_try(self, record: InstallmentRecord, today: dt.date) -> dt.date:
        """The next retry day after `today` (`retry_days` after the due date), else the end of grace. By the day,
        not by the attempts counted: an attempt the customer made with another card (insure.billing.overdue)
        neither uses up a retry nor brings the lapse forward."""
        due = dt.date.fromisoformat(record.due_date)
        later = [due + dt.timedelta(days=d) for d in self.settings.retry_days if due + dt.timedelta(days=d) > today]
        return min(later, default=self._lapse_day(record))

    def _lapse(self, stored: StoredPolicy, record: InstallmentRecord, day: str) -> str:
        """End the policy from the end of the grace period: a new version `lapsed`, the term's other
        installments closed, the customer told."""
        from insure.policies.changes import after_version_stored, next_version
        from insure.policies.issuance import store_document
        from insure.policies.models import Change

        number = record.policy_number
        holder = f"lapse_{record.term}_{record.installment}"
        self.policies.claim(number, holder)  # one change at a time (Conflict: an amendment in flight; next run)
        try:
            stored = self.policies.get(number) or stored
            current = stored.current
            if current.status != "active":
                version = None
            else:
                version = next_version(
                    current,
                    change="lapsed",
                    made_by="workflow",
                    in_force_from=dt.date.fromisoformat(day),
                    changes=[Change(kind="status", before=current.status, after="lapsed")],
                    status="lapsed",
                )
                self.policies.add_version(stored, version)
        finally:
            self.policies.release(number, holder)
        self.billing.close(record, "lapsed")
        for other in self.billing.installments(number):
            if other.term == record.term and other.status in ("scheduled", "failed"):
                self.billing.close(other, "cancelled")
        if version is None:
            return "cancelled"
        from insure.billing.renewals import WITHDRAWN_BECAUSE, withdraw_renewal
        from insure.policies.wording import long_date

        withdraw_renewal(self.billing, number, WITHDRAWN_BECAUSE["lapsed"])  # a lapsed policy is not renewed
        after_version_stored(version, self.item_tags)
        try:
            store_document(self.settings.documents_bucket, version)
        except Exception:  # noqa: BLE001 - the document endpoint renders a missing one on demand
            from aws_lambda_powertools import Logger

            Logger(service="insurance-platform").exception("lapsed version document", extra={"policy": number})
        account = self.billing.account(number)
        if account is not None:
            self._tell(
                account,
                "policy_lapsed",
                {"policy_number": number, "lapse_date": long_date(day), "installment": record.installment},
                key=f"policy-lapsed:{number}:{record.term}",
            )
        return "lapsed"

    def _tell(self, account: BillingAccount, template: str, data: dict[str, Any], *, key: str) -> None:
        """E-mail the customer (a failure to queue is logged: billing goes on)."""
        if not account.email:
            return
        try:
            self.notify(account.email, "email", template, {"name": account.name or "there", **data}, key=key)
        except Exception:  # noqa: BLE001 - a notification never undoes a charge or a lapse
            from aws_lambda_powertools import Logger

            Logger(service="insurance-platform").exception("billing notification", extra={"template": template})
