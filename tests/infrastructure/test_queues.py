"""Every declared queue has its dead-letter queue, the visibility rule, encryption, TLS only and a DLQ alarm."""

from __future__ import annotations

import pytest

import declaration
from stacks.conventions import VISIBILITY_TIMEOUT_FACTOR

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

QUEUES = [pytest.param(q, id=q.name) for q in declaration.QUEUES] or [
    pytest.param(None, marks=pytest.mark.skip(reason="the declaration lists no queues"))
]


@pytest.mark.parametrize("declared", QUEUES)
def test_queue_dead_letters_after_max_receives_into_its_own_dlq(synthesized, declared):
    stack = synthesized.stack
    props = synthesized.properties(stack.queues.by_name[declared.name])
    dlq_id = synthesized.logical_id(stack.queues.dead_letters[declared.name])
    assert declared.max_receive_count == 5
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": declared.max_receive_count,
    }


@pytest.mark.parametrize("declared", QUEUES)
def test_visibility_timeout_is_at_least_six_times_the_consumers_timeout(synthesized, declared):
    props = synthesized.properties(synthesized.stack.queues.by_name[declared.name])
    consumer = declaration.function(declared.consumer)
    assert props["VisibilityTimeout"] >= VISIBILITY_TIMEOUT_FACTOR * consumer.timeout_s
    consumer_props = synthesized.properties(synthesized.stack.functions.by_name[consumer.name])
    assert props["VisibilityTimeout"] >= 6 * consumer_props["Timeout"]


@pytest.mark.parametrize("declared", QUEUES)
def test_queue_and_dlq_are_encrypted_and_refuse_plain_http(synthesized, declared):
    from aws_cdk.assertions import Match  # CDK loads only where a test needs it

    stack = synthesized.stack
    for queue in (stack.queues.by_name[declared.name], stack.queues.dead_letters[declared.name]):
        assert synthesized.properties(queue)["SqsManagedSseEnabled"] is True
        synthesized.template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": synthesized.logical_id(queue)}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                    )
                },
            },
        )


@pytest.mark.parametrize("declared", QUEUES)
def test_an_alarm_fires_on_the_first_dead_letter(synthesized, declared):
    dlq_id = synthesized.logical_id(synthesized.stack.queues.dead_letters[declared.name])
    synthesized.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}],
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    )


def test_every_consumer_is_a_declared_function_triggered_by_its_queue():
    for queue in declaration.QUEUES:
        consumer = declaration.function(queue.consumer)
        assert consumer.trigger is not None and consumer.trigger.queue == queue.name
