"""The issuance workflow's ASL, checked statically (moto does not validate ASL) and by moto's own parser."""

from __future__ import annotations

import json
from pathlib import Path

import declaration
from declaration.issuance import ISSUANCE_TASKS

ROOT = Path(__file__).resolve().parents[2]
ASL = json.loads((ROOT / "statemachines" / "issuance.asl.json").read_text())
TRANSIENT = {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "TransientError"}


def tasks() -> dict[str, dict]:
    return {name: state for name, state in ASL["States"].items() if state["Type"] == "Task"}


def test_jsonpath_only_because_moto_cannot_run_jsonata():
    assert ASL.get("QueryLanguage", "JSONPath") == "JSONPath"
    assert all(s.get("QueryLanguage", "JSONPath") == "JSONPath" for s in ASL["States"].values())


def test_every_task_retries_transient_errors_with_full_jitter_and_catches_into_a_recording_state():
    for name, state in tasks().items():
        retry = state["Retry"][0]
        assert set(retry["ErrorEquals"]) >= TRANSIENT, name
        assert retry["JitterStrategy"] == "FULL", name
        assert retry["MaxAttempts"] >= 2, name
        targets = {c["Next"] for c in state["Catch"]}
        assert targets <= {"RecordFailure", "OfferExpired", "SessionExpired", "IssuanceFailed"}, name


def test_the_two_person_steps_wait_on_task_tokens_with_timeouts_that_expire_the_application():
    for name, expired in (("WaitForAcceptance", "OfferExpired"), ("WaitForPayment", "SessionExpired")):
        state = ASL["States"][name]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert state["Parameters"]["Payload"]["token.$"] == "$$.Task.Token"
        assert "TimeoutSecondsPath" in state
        timeout = next(c for c in state["Catch"] if c["ErrorEquals"] == ["States.Timeout"])
        assert timeout["Next"] == expired
        assert ASL["States"][expired]["Parameters"]["status"] == "expired"


def test_the_happy_path_runs_underwrite_offer_accept_pay_charge_issue():
    path, name = [], ASL["StartAt"]
    while name not in ("Issued",):
        path.append(name)
        state = ASL["States"][name]
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state["Next"]
    assert path == [
        "Underwrite",
        "IsApproved",
        "Offer",
        "WaitForAcceptance",
        "WaitForPayment",
        "Charge",
        "IsPaid",
        "Issue",
    ]
    assert ASL["States"]["IsPaid"]["Default"] == "WaitForPayment"  # a declined card waits for another payment
    attempts = ASL["States"]["IsPaid"]["Choices"][1]
    assert attempts["NumericGreaterThanEquals"] == 3


def test_placeholders_name_declared_functions_and_moto_parses_the_rendered_definition():
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    from local.resources import render_asl

    machine = next(m for m in declaration.STATE_MACHINES if m.name == declaration.ISSUANCE)
    assert machine.substitutions == ISSUANCE_TASKS
    arns = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in ISSUANCE_TASKS.values()}
    rendered = render_asl(machine, arns)
    assert "${" not in rendered
    program, _ = AmazonStateLanguageParser.parse(rendered)
    assert program is not None
