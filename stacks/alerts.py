"""Where the alarms go: one encrypted SNS topic that every alarm of the stack notifies (alarm and back to OK),
with an optional e-mail subscription (`-c alarm_email=ops@example.com`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Alerts(Construct):
    """`topic` receives every alarm's state changes; `notify(alarms)` wires alarms to it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="Insurance platform alarms",
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        email = self.node.try_get_context("alarm_email")
        if email:
            if not isinstance(email, str) or not EMAIL.match(email):
                raise ValueError(f"alarm_email must be an e-mail address, got {email!r}")
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

    def notify(self, alarms: Iterable[cloudwatch.Alarm]) -> None:
        action = actions.SnsAction(self.topic)
        for alarm in alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
