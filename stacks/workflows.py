"""The declared Step Functions state machines: Standard, ASL from `statemachines/`, placeholders substituted
with the ARNs of the declared functions, explicit invoke grants, logging ALL, tracing, failure alarm."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

import declaration
from stacks.conventions import STATE_MACHINES_DIR, pascal


class StateMachines(Construct):
    """`by_name[name]` is the state machine; `alarms[name]` fires on any failed execution."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, sfn.StateMachine] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for declared in declaration.STATE_MACHINES:
            name = pascal(declared.name)
            log_group = logs.LogGroup(
                self,
                f"{name}Logs",
                log_group_name=f"/aws/vendedlogs/states/{Stack.of(self).stack_name}-{name}",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=RemovalPolicy.RETAIN,
            )
            machine = sfn.StateMachine(
                self,
                name,
                state_machine_type=sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string((STATE_MACHINES_DIR / declared.file).read_text()),
                definition_substitutions={
                    placeholder: functions[function_name].function_arn
                    for placeholder, function_name in declared.substitutions.items()
                },
                # Execution data stays out of the logs: inputs carry personal data.
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
                tracing_enabled=True,
            )
            for function_name in sorted(set(declared.substitutions.values())):
                functions[function_name].grant_invoke(machine)
            self.by_name[declared.name] = machine
            self.alarms[declared.name] = cloudwatch.Alarm(
                self,
                f"{name}ExecutionsFailed",
                alarm_description=f"An execution of {declared.name} failed",
                metric=machine.metric_failed(period=Duration.minutes(1)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
