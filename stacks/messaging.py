"""The declared SQS queues, each with its dead-letter queue and an alarm on the dead-letter queue's depth."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

import declaration
from stacks.conventions import pascal
from stacks.plan import visibility_timeout_s

DLQ_RETENTION = Duration.days(14)


class Queues(Construct):
    """`by_name[name]` is the work queue; `dead_letters[name]` its DLQ; `alarms[name]` fires on any dead letter."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, sqs.Queue] = {}
        self.dead_letters: dict[str, sqs.Queue] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for declared in declaration.QUEUES:
            name = pascal(declared.name)
            dead_letters = sqs.Queue(
                self,
                f"{name}Dlq",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=DLQ_RETENTION,
            )
            self.dead_letters[declared.name] = dead_letters
            self.by_name[declared.name] = sqs.Queue(
                self,
                name,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                visibility_timeout=Duration.seconds(visibility_timeout_s(declared)),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=declared.max_receive_count),
            )
            self.alarms[declared.name] = cloudwatch.Alarm(
                self,
                f"{name}DlqDepth",
                alarm_description=f"Messages of {declared.name} failed {declared.max_receive_count} times",
                metric=dead_letters.metric_approximate_number_of_messages_visible(period=Duration.minutes(1)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
