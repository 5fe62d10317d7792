"""The amendment workflow's ASL, checked statically (moto does not validate ASL) and by moto's own parser: the same
automatic steps as an application's, on the issuance workflow's functions."""

from __future__ import annotations

import json
from pathlib import Path

import declaration
from declaration.issuance import AMENDMENT_TASKS, ISSUANCE_TASKS

ROOT = Path(__file__).resolve().parents[2]
ASL = json.loads((ROOT / "statemachines" / "amendment.asl.json").read_text())
TRANSIENT = {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "TransientError"}
ENDS = {"RecordFailure", "OfferExpired", "PaymentExpired", "AmendmentFailed"}


def walk(choose) -> list[str]:
    path, name = [], ASL["StartAt"]
    while ASL["States"][name]["Type"] not in ("Succeed", "Fail"):
        path.append(name)
        state = ASL["States"][name]
        name = choose(name, state) if state["Type"] == "Choice" else state["Next"]
    return [*path, name]


def test_it_runs_the_issuance_workflows_functions():
    machine = next(m for m in declaration.STATE_MACHINES if m.name == declaration.AMENDMENTS)
    assert machine.substitutions == AMENDMENT_TASKS
    assert set(AMENDMENT_TASKS.values()) <= set(ISSUANCE_TASKS.values())


def test_every_task_retries_transient_errors_and_catches_into_a_recording_state():
    for name, state in ASL["States"].items():
        if state["Type"] != "Task":
            continue
        retry = state["Retry"][0]
        assert set(retry["ErrorEquals"]) >= TRANSIENT, name
        assert retry["JitterStrategy"] == "FULL", name
        assert {c["Next"] for c in state["Catch"]} <= ENDS, name


def test_the_callback_waits_time_out_into_expiry():
    for name, expired in (("WaitForAcceptance", "OfferExpired"), ("WaitForPayment", "PaymentExpired")):
        state = ASL["States"][name]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert state["Parameters"]["Payload"]["token.$"] == "$$.Task.Token"
        assert "TimeoutSecondsPath" in state
        timeout = next(c for c in state["Catch"] if c["ErrorEquals"] == ["States.Timeout"])
        assert timeout["Next"] == expired
        assert ASL["States"][expired]["Parameters"]["status"] == "expired"


def test_a_positive_difference_waits_for_payment_and_a_negative_one_goes_straight_to_settling():
    def charge(name, state):
        return state["Choices"][0]["Next"]

    assert walk(charge) == [
        "Underwrite",
        "IsApproved",
        "Offer",
        "WaitForAcceptance",
        "NeedsPayment",
        "WaitForPayment",
        "Settle",
        "IsSettled",
        "Issue",
        "Issued",
    ]

    def refund(name, state):
        return state["Default"] if name == "NeedsPayment" else state["Choices"][0]["Next"]

    assert walk(refund) == [
        "Underwrite",
        "IsApproved",
        "Offer",
        "WaitForAcceptance",
        "NeedsPayment",
        "NoPaymentDue",
        "Settle",
        "IsSettled",
        "Issue",
        "Issued",
    ]
    assert ASL["States"]["IsApproved"]["Default"] == "Declined"
    assert ASL["States"]["IsSettled"]["Default"] == "WaitForPayment"  # a declined card waits for another
    assert ASL["States"]["IsSettled"]["Choices"][1]["Next"] == "PaymentAttemptsExhausted"


def test_moto_parses_the_rendered_definition():
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    from local.resources import render_asl

    machine = next(m for m in declaration.STATE_MACHINES if m.name == declaration.AMENDMENTS)
    arns = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in AMENDMENT_TASKS.values()}
    rendered = render_asl(machine, arns)
    assert "${" not in rendered
    program, _ = AmazonStateLanguageParser.parse(rendered)
    assert program is not None
