"""Every alarm notifies one encrypted topic, which refuses plain HTTP; an e-mail subscription is opt-in."""

from __future__ import annotations

import pytest

from tests.infrastructure.conftest import synthesize

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


def _topic_ref(synthesized) -> dict:
    return {"Ref": synthesized.stack.get_logical_id(synthesized.stack.alerts.topic.node.default_child)}


def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears(synthesized):
    alarms = [r["Properties"] for r in synthesized.resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    stack = synthesized.stack
    expected = len(stack.queues.alarms) + len(stack.state_machines.alarms) + len(stack.schedules.alarms)
    assert len(alarms) == expected >= 2
    for alarm in alarms:
        assert alarm["AlarmActions"] == [_topic_ref(synthesized)], alarm["AlarmDescription"]
        assert alarm["OKActions"] == [_topic_ref(synthesized)], alarm["AlarmDescription"]


def test_the_alarm_topic_is_encrypted_and_refuses_plain_http(synthesized):
    topic = synthesized.resources[_topic_ref(synthesized)["Ref"]]["Properties"]
    assert "alias/aws/sns" in str(topic["KmsMasterKeyId"])
    policies = [r["Properties"] for r in synthesized.resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"]
    denies = [
        statement
        for policy in policies
        if _topic_ref(synthesized) in policy["Topics"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
    ]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_no_subscription_unless_an_alarm_email_is_given(synthesized):
    assert not [r for r in synthesized.resources.values() if r["Type"] == "AWS::SNS::Subscription"]


def test_an_alarm_email_subscribes_to_the_topic():
    with_email = synthesize(alarm_email="ops@example.com")
    with_email.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": _topic_ref(with_email)},
    )


def test_an_alarm_email_that_is_not_an_address_is_refused():
    with pytest.raises(Exception, match="alarm_email must be an e-mail address"):
        synthesize(alarm_email="not an address")
