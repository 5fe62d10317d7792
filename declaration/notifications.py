"""Notifications: e-mail and text messages sent from templates through a queue, with retries and a DLQ.

Code anywhere calls `insure.notifications.notify(...)` (granted `NOTIFY`), which only enqueues; the sender
renders the template, honours the recipient's preferences, delivers through SES or SNS (locally the simulated
gateway) and records every message."""

from declaration.model import Function, Grant, Queue, QueueTrigger, StateMachine
from declaration.resources import DATA_READ_WRITE, EMAIL, NOTIFICATIONS, SMS
from declaration.risk import LIVE

SENDER = "notifications_sender"

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name=SENDER,
        description="Delivers queued notifications (e-mail through SES, text messages through SNS) from templates, "
        "honouring preferences, records each message and what a delivered one makes true (a risk event's guidance)",
        trigger=QueueTrigger(NOTIFICATIONS, batch_size=10),
        grants=(
            DATA_READ_WRITE,
            Grant(NOTIFICATIONS, ("consume",)),
            Grant(EMAIL, ("send",)),
            Grant(SMS, ("send",)),
            Grant(LIVE, ("send",)),  # a delivered message's follow-up (a risk event's guidance) is pushed live
        ),
        timeout_s=20,
    ),
)
QUEUES: tuple[Queue, ...] = (Queue(NOTIFICATIONS, consumer=SENDER),)
STATE_MACHINES: tuple[StateMachine, ...] = ()
