"""Every function declared with a schedule gets an EventBridge Scheduler schedule invoking it (with its own role,
retries and a dead-letter queue), and alarms on its failures."""

from __future__ import annotations

import pytest

import declaration

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]

SCHEDULED = [pytest.param(f, id=f.name) for f in declaration.FUNCTIONS if f.schedule is not None]


def test_the_billing_run_is_declared_on_a_schedule():
    assert [f.name for f in declaration.FUNCTIONS if f.schedule is not None] == ["billing_run", "renewal_run"]


@pytest.mark.parametrize("declared", SCHEDULED)
def test_the_schedule_invokes_its_function_on_the_declared_expression(synthesized, declared):
    stack = synthesized.stack
    planned = declared.schedule
    props = synthesized.properties(stack.schedules.by_name[planned.name])
    function_id = synthesized.logical_id(stack.functions.by_name[declared.name])
    assert props["ScheduleExpression"] == planned.expression
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = props["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["Input"] == '{"schedule":"' + planned.name + '"}'
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    assert "Arn" in target["DeadLetterConfig"]
    # And its role may invoke that function only
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for r in synthesized.resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert sorted(s["Action"] for s in statements) == ["lambda:InvokeFunction", "sqs:SendMessage"]
    invoke = next(s for s in statements if s["Action"] == "lambda:InvokeFunction")
    assert all(function_id in str(resource) for resource in invoke["Resource"])
    send = next(s for s in statements if s["Action"] == "sqs:SendMessage")
    assert send["Resource"] == target["DeadLetterConfig"]["Arn"]  # the dead-letter queue, nothing else


@pytest.mark.parametrize("declared", SCHEDULED)
def test_failures_of_a_scheduled_function_alarm(synthesized, declared):
    alarms = synthesized.stack.schedules.alarms
    assert {f"{declared.schedule.name}-errors", f"{declared.schedule.name}-dead-letters"} <= set(alarms)
