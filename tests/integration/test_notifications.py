"""Notifications end to end on moto: `notify` queues, the sender function (hosted as Lambda, fed by the local event
source mapping) delivers through the simulated gateway, retries through SQS, dead-letters after the queue's
maxReceiveCount, records every message, and honours the recipient's preferences."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from insure.notifications import notify
from insure.notifications.repository import NotificationRecord, NotificationRepository
from local.simulators.messaging_gateway import MessagingGatewaySimulator
from local.sqs_poller import QueuePoller

RESET = {"code": "123456", "minutes": "15"}
ISSUED = {"name": "Ada", "policy_number": "P-1", "effective_date": "2026-12-01", "document_url": "https://d/p"}


@dataclass
class Wired:
    gateway: MessagingGatewaySimulator
    records: NotificationRepository
    sqs: object
    dlq_url: str


@pytest.fixture
def wired(platform, monkeypatch) -> Iterator[Wired]:
    from insure.settings import get_settings

    gateway = MessagingGatewaySimulator()
    gateway.start()
    monkeypatch.setenv("NOTIFICATIONS_PROVIDER", "gateway")
    monkeypatch.setenv("NOTIFICATIONS_GATEWAY_URL", gateway.url)
    get_settings.cache_clear()
    sqs = boto3.client("sqs", region_name="us-east-1")
    poller = QueuePoller(
        sqs,
        platform.functions,
        queue_name="notifications",
        queue_url=platform.deployment.queues["notifications"],
        consumer="notifications_sender",
        concurrency=2,
    )
    poller.start()
    try:
        yield Wired(
            gateway,
            NotificationRepository(get_settings().table_name),
            sqs,
            platform.deployment.dead_letter_queues["notifications"],
        )
    finally:
        poller.stop()
        gateway.stop()


def _settled(records: NotificationRepository, notification_id: str, timeout: float = 20.0) -> NotificationRecord:
    deadline = time.monotonic() + timeout
    while True:
        found = records.get(notification_id)
        if found is not None and found.status in ("sent", "suppressed", "failed", "rejected"):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{notification_id} did not settle: {found}")
        time.sleep(0.05)


def _dead_letters(wired: Wired) -> list[str]:
    found = wired.sqs.receive_message(QueueUrl=wired.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [m["Body"] for m in found.get("Messages", [])]


def test_a_message_is_delivered_once_and_recorded(wired):
    # When the same notification is requested twice (a retried caller)
    first = notify("ada@example.com", "email", "policy_issued", ISSUED, key="policy-issued:P-1")
    second = notify("ada@example.com", "email", "policy_issued", ISSUED, key="policy-issued:P-1")
    # Then one message reaches the gateway, rendered from the template, and its record says sent
    record = _settled(wired.records, first)
    time.sleep(0.3)  # give the duplicate its chance to be (wrongly) delivered
    assert first == second
    delivered = wired.gateway.messages("ada@example.com")
    assert [m["subject"] for m in delivered] == ["Your policy P-1 is issued"]
    assert "in force from 2026-12-01" in delivered[0]["body"]
    assert (record.recipient, record.channel, record.template, record.status) == (
        "ada@example.com",
        "email",
        "policy_issued",
        "sent",
    )
    assert record.provider_message_id == delivered[0]["message_id"]
    assert [r.notification_id for r in wired.records.for_recipient("email", "ada@example.com")] == [first]


def test_an_unavailable_gateway_is_retried_through_the_queue_until_it_answers(wired):
    # Given a gateway that fails the next two sends
    wired.gateway.fail_next(2)
    # When a text message is requested
    sent = notify("+12125550100", "sms", "policy_issued", ISSUED)
    # Then SQS delivers it again until the gateway takes it: sent on the third attempt, once
    record = _settled(wired.records, sent)
    assert (record.status, record.attempts) == ("sent", 3)
    assert [m["body"] for m in wired.gateway.messages("+12125550100")] == [
        "Your policy P-1 is issued, in force from 2026-12-01."
    ]


def test_a_message_the_gateway_never_takes_ends_in_the_dead_letter_queue_recorded_failed(wired):
    # When the recipient's gateway answers 503 every time
    failing = notify("unavailable@example.com", "email", "password_reset", RESET)
    # Then after the queue's maxReceiveCount (5) attempts the record is failed and the message is dead-lettered
    record = _settled(wired.records, failing, timeout=30)
    assert (record.status, record.attempts) == ("failed", 5)
    assert "provider unavailable" in (record.error or "")
    deadline = time.monotonic() + 10
    bodies: list[str] = []
    while not bodies and time.monotonic() < deadline:
        bodies = _dead_letters(wired)
    assert len(bodies) == 1 and failing in bodies[0]
    assert wired.gateway.messages("unavailable@example.com") == []


def test_a_refused_address_is_rejected_at_once_without_retries(wired):
    refused = notify("bounce@example.com", "email", "policy_issued", ISSUED)
    record = _settled(wired.records, refused)
    assert (record.status, record.attempts) == ("rejected", 1)
    assert "MessageRejected" in (record.error or "")


def test_preferences_opted_out_channel_is_honoured_but_security_messages_still_go(wired):
    # Given a customer who opted out of e-mail and did not ask for offers, and texts still allowed
    wired.records.set_preferences("email", "ada@example.com", opted_out=True)
    # When a service e-mail, a security e-mail (a reset code they asked for), an offer and a text are requested
    service = notify("ada@example.com", "email", "policy_issued", ISSUED)
    security = notify("ada@example.com", "email", "password_reset", RESET)
    offer = notify("+12125550100", "sms", "new_offer", {"title": "Bikes", "body": "now insured"})
    text = notify("+12125550100", "sms", "policy_issued", ISSUED)
    # Then the service e-mail and the unwanted offer are suppressed (recorded, not sent); the others are delivered
    statuses = {n: _settled(wired.records, n).status for n in (service, security, offer, text)}
    assert statuses == {service: "suppressed", security: "sent", offer: "suppressed", text: "sent"}
    assert [m["subject"] for m in wired.gateway.messages("ada@example.com")] == ["Your password reset code"]
    assert [m["body"][:11] for m in wired.gateway.messages("+12125550100")] == ["Your policy"]
    # And once they ask for offers (and opt back in), offers reach them
    wired.records.set_preferences("sms", "+12125550100", offers=True)
    wanted = notify("+12125550100", "sms", "new_offer", {"title": "Bikes", "body": "now insured"})
    assert _settled(wired.records, wanted).status == "sent"


def test_in_aws_the_sender_uses_ses_and_sns(platform, monkeypatch):
    """The AWS adapter against moto's SES and SNS (what the sender calls when NOTIFICATIONS_PROVIDER=aws)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    from insure.notifications.providers import AwsProvider

    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="no-reply@platform.example")
    provider = AwsProvider("no-reply@platform.example", "INSURE")
    email_id = provider.send_email("ada@example.com", "Subject", "Body")
    sms_id = provider.send_sms("+12125550100", "Hello")
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert [(m.id, m.destinations["ToAddresses"]) for m in sent] == [(email_id, ["ada@example.com"])]
    texts = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages
    assert texts[sms_id][:2] == ("+12125550100", "Hello")
