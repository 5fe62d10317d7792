"""Billing: the scheduled run that charges installments on their dates, retries declined ones, tells the customer
and lapses a policy left unpaid past the grace period; the scheduled run that offers renewals and expires terms."""

from declaration.model import Function, Grant, Queue, Schedule, StateMachine
from declaration.resources import DATA_READ_WRITE, DOCUMENTS, NOTIFY

BILLING_RUN = "billing_run"
RENEWAL_RUN = "renewal_run"

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name=BILLING_RUN,
        description="Scheduled: charges the installments due to the cards kept at the processor (once per attempt), "
        "retries declined ones, tells the customer, lapses a policy unpaid past the grace period",
        schedule=Schedule(
            name="billing-run",
            expression="rate(1 hour)",
            description="Charge the installments due (retries, lapses) by the platform's clock",
            local_interval_s=60,
        ),
        grants=(DATA_READ_WRITE, NOTIFY, Grant(DOCUMENTS, ("put",))),
        timeout_s=900,
        memory_mb=1024,
    ),
    Function(
        name=RENEWAL_RUN,
        description="Scheduled: offers each policy's renewal (re-underwritten against the current rulebook) or says "
        "why it cannot renew, RENEWAL_NOTICE_DAYS before the term ends, and expires the terms left unrenewed",
        schedule=Schedule(
            name="renewal-run",
            expression="cron(0 5 * * ? *)",
            description="Offer the renewals due and expire the unrenewed terms, by the platform's clock",
            local_interval_s=60,
        ),
        grants=(DATA_READ_WRITE, NOTIFY),
        timeout_s=900,
    ),
)
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = ()
