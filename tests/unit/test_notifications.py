"""Notifications: the port checks a call against its template before queueing; every template renders with the
data its channel names; the simulated gateway speaks the providers' shapes and lists what it delivered."""

from __future__ import annotations

import json
import re

import pytest
from werkzeug.test import Client

from insure.notifications import InvalidNotification, notify
from insure.notifications.port import build_message, notification_id
from insure.notifications.repository import NotificationRecord, Preferences
from insure.notifications.sender import Sender
from insure.notifications.templates import templates
from local.simulators.messaging_gateway import MessagingGatewaySimulator


def test_notify_queues_a_checked_message_and_returns_its_id():
    queued: list[dict] = []
    # When code notifies a customer that their policy was issued
    returned = notify(
        " Ada@Example.com ",
        "email",
        "policy_issued",
        {"name": "Ada", "policy_number": "P-1", "effective_date": "2026-12-01", "document_url": "https://x/doc"},
        key="policy-issued:P-1",
        enqueue=queued.append,
    )
    # Then exactly one message is queued, addressed to the normalized e-mail, with string data
    assert [m["notification_id"] for m in queued] == [returned]
    assert queued[0]["recipient"] == "ada@example.com"
    assert queued[0]["data"]["policy_number"] == "P-1"
    # And the same key always names the same notification (a retried caller is one message)
    assert returned == notification_id("policy-issued:P-1") != notification_id("policy-issued:P-2")


@pytest.mark.parametrize(
    ("recipient", "channel", "template", "data", "complaint"),
    [
        ("ada@example.com", "email", "no_such_template", {}, "No notification template"),
        ("+12125550100", "sms", "password_reset", {"code": "1", "minutes": "10"}, "has no sms text"),
        ("ada@example.com", "email", "password_reset", {"code": "123456"}, "needs ['minutes']"),
        ("not-an-address", "email", "password_reset", {"code": "1", "minutes": "10"}, "Not an e-mail address"),
        ("2125550100", "sms", "policy_issued", {"policy_number": "P", "effective_date": "d"}, "Not an E.164"),
        ("ada@example.com", "fax", "password_reset", {"code": "1", "minutes": "10"}, "Unknown channel"),
    ],
)
def test_notify_refuses_a_call_that_could_never_be_delivered(recipient, channel, template, data, complaint):
    queued: list[dict] = []
    with pytest.raises(InvalidNotification, match=re.escape(complaint)):
        notify(recipient, channel, template, data, enqueue=queued.append)
    assert queued == []


@pytest.mark.parametrize("name", sorted(templates()))
def test_every_template_renders_each_channel_from_its_fields(name):
    template = templates()[name]
    assert template.category in ("security", "service", "marketing", "business")
    assert template.texts, f"{name} has no channel"
    for channel in template.texts:
        data = {field: f"<{field}>" for field in template.fields(channel)}
        rendered = template.render(channel, data)
        assert all(f"<{field}>" in (rendered.subject or "") + rendered.body for field in data)
        assert (rendered.subject is not None) == (channel == "email")


def test_gateway_takes_ses_and_twilio_shaped_requests_and_lists_them_on_a_page():
    gateway = MessagingGatewaySimulator()
    client = Client(gateway)
    # When an e-mail arrives in SES v2's SendEmail shape and a text in Twilio's Messages shape
    email = client.post(
        "/v2/email/outbound-emails",
        json={
            "FromEmailAddress": "no-reply@platform.example",
            "Destination": {"ToAddresses": ["ada@example.com"]},
            "Content": {"Simple": {"Subject": {"Data": "Hi <Ada>"}, "Body": {"Text": {"Data": "Code 123456"}}}},
        },
    )
    sms = client.post(
        "/2010-04-01/Accounts/AC1/Messages.json", data={"To": "+12125550100", "From": "INSURE", "Body": "Hello"}
    )
    bad_number = client.post("/2010-04-01/Accounts/AC1/Messages.json", data={"To": "12", "Body": "x"})
    # Then each answers as the provider does
    assert email.status_code == 200 and email.json["MessageId"]
    assert sms.status_code == 201 and sms.json["sid"].startswith("SM") and sms.json["status"] == "queued"
    assert bad_number.status_code == 400 and bad_number.json["code"] == 21211
    # And the page lists both, escaped, newest first; the JSON list filters by recipient
    page = client.get("/").get_data(as_text=True)
    assert "Hi &lt;Ada&gt;" in page and "Code 123456" in page and page.index("Hello") < page.index("Code 123456")
    listed = json.loads(client.get("/messages?to=ada@example.com").get_data())["messages"]
    assert [(m["channel"], m["subject"]) for m in listed] == [("email", "Hi <Ada>")]


def test_gateway_outage_and_test_addresses_answer_like_a_provider_in_trouble():
    gateway = MessagingGatewaySimulator()
    client = Client(gateway)

    def send(to: str) -> int:
        body = {
            "FromEmailAddress": "a@b.example",
            "Destination": {"ToAddresses": [to]},
            "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        }
        return client.post("/v2/email/outbound-emails", json=body).status_code

    client.post("/_simulator/outage", json={"requests": 2})
    assert [send("ada@example.com") for _ in range(3)] == [503, 503, 200]
    assert send("unavailable@example.com") == 503
    assert send("bounce@example.com") == 400
    assert [m["to"] for m in gateway.messages()] == ["ada@example.com"]


class _Records:
    """The sender's records in memory: every claim is a first sight; preferences as given, each read counted."""

    def __init__(self, preferences: dict[tuple[str, str], Preferences]) -> None:
        self.stored = preferences
        self.reads: list[tuple[str, str]] = []
        self.finished: dict[str, str] = {}

    def claim(self, message: dict, *, now: float, stamp: str, lease_s: int) -> NotificationRecord:
        return NotificationRecord(
            message["notification_id"], message["recipient"], message["channel"], message["template"], "sending", 1,
            stamp, stamp,
        )  # fmt: skip

    def preferences(self, channel: str, recipient: str) -> Preferences:
        self.reads.append((channel, recipient))
        return self.stored.get((channel, recipient), Preferences())

    def finish(self, notification_id: str, status: str, **_: object) -> None:
        self.finished[notification_id] = status


class _Provider:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_email(self, to: str, subject: str, body: str) -> str:
        self.sent.append(to)
        return f"mail-{len(self.sent)}"

    def send_sms(self, to: str, body: str) -> str:
        self.sent.append(to)
        return f"sms-{len(self.sent)}"


def test_business_messages_go_without_reading_preferences_a_persons_service_messages_honour_them():
    # Given an address that opted out of e-mail
    opted_out = {("email", "sam@insurer.example"): Preferences(opted_out=True)}
    records, provider = _Records(opted_out), _Provider()
    sender = Sender(records=records, provider=provider, max_receive_count=3)  # type: ignore[arg-type]
    filed = build_message(
        "sam@insurer.example",
        "email",
        "claim_filed",
        {"salesperson": "Sam", "claim_reference": "C-1", "insurer": "Acme", "policy_number": "P-1"}
        | {"risk_event_id": "e"},
    )
    issued = build_message(
        "sam@insurer.example",
        "email",
        "policy_issued",
        {"name": "Sam", "policy_number": "P-1", "effective_date": "2026-12-01", "document_url": "https://x/doc"},
    )
    # When an insurer's salesperson is told of a claim (business) and the same address gets a service message
    assert sender.handle(filed) == "sent"
    assert sender.handle(issued) == "suppressed"
    # Then the business message was delivered without a preferences read; the service message read them once
    assert provider.sent == ["sam@insurer.example"]
    assert records.reads == [("email", "sam@insurer.example")]
    assert records.finished == {filed["notification_id"]: "sent", issued["notification_id"]: "suppressed"}
