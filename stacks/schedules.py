"""EventBridge Scheduler schedules for the functions declared with a `schedule`: each invokes its function with
`{"schedule": <name>}` (retried twice, a failed invocation kept in an encrypted dead-letter queue), and an alarm
fires when the function fails or an invocation is dead-lettered."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

import declaration
from stacks.conventions import pascal


class Schedules(Construct):
    """`by_name[schedule name]` is the schedule; `alarms[name]` its failure alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, scheduler.Schedule] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for declared in declaration.FUNCTIONS:
            if declared.schedule is None:
                continue
            planned = declared.schedule
            name = pascal(planned.name.replace("-", "_"))
            function = functions[declared.name]
            dead_letters = sqs.Queue(
                self,
                f"{name}Dlq",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(14),
            )
            role = iam.Role(
                self,
                f"{name}Role",
                assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
                description=f"EventBridge Scheduler invokes {declared.name}",
            )
            self.by_name[planned.name] = scheduler.Schedule(
                self,
                name,
                description=planned.description,
                schedule=scheduler.ScheduleExpression.expression(planned.expression),
                time_window=scheduler.TimeWindow.off(),
                target=targets.LambdaInvoke(
                    function,
                    input=scheduler.ScheduleTargetInput.from_object({"schedule": planned.name}),
                    retry_attempts=2,
                    max_event_age=Duration.hours(1),
                    dead_letter_queue=dead_letters,
                    role=role,
                ),
            )
            self.alarms[f"{planned.name}-errors"] = cloudwatch.Alarm(
                self,
                f"{name}Errors",
                alarm_description=f"The scheduled {declared.name} failed",
                metric=function.metric_errors(period=Duration.minutes(5)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms[f"{planned.name}-dead-letters"] = cloudwatch.Alarm(
                self,
                f"{name}DlqDepth",
                alarm_description=f"An invocation of the scheduled {declared.name} was dead-lettered",
                metric=dead_letters.metric_approximate_number_of_messages_visible(period=Duration.minutes(1)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
