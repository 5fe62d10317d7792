"""What an insurer's claims API answers is checked before any of it is kept: its text (the claim reference, a
polled note, which reaches the customer's status message) as its webhooks' is, so NUL, control characters and
bidirectional overrides never reach a person; such an answer is outside the contract, as a malformed one is."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from insure.risk.connector import ClaimFiling, InsurerConnector, InsurerRejected
from tests.unit.fakes_risk import insurer

UNSAFE = ["\x00", "\x1b[2J", "\u202e", "\u2066", "\x85"]


class AnsweringHttp:
    """An insurer's API that answers every call with `answer` (urllib3's `request` shape)."""

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        self.status, self.data = status, json.dumps(answer).encode()

    def request(self, method: str, url: str, **_: Any) -> SimpleNamespace:
        return SimpleNamespace(status=self.status, data=self.data)


def filing() -> ClaimFiling:
    return ClaimFiling(
        risk_event_id="rev_1", policy_number="POL-1", event_type="theft", facts={}, occurred_at="2027-01-15T08:00:00Z"
    )


def test_a_clean_claim_reference_and_note_are_taken_as_sent():
    filed = InsurerConnector(AnsweringHttp(201, {"claim_reference": "CLM-7", "status": "received"}))
    assert filed.file_claim(insurer("ins_a"), filing()).claim_reference == "CLM-7"
    note = "We have your claim.\nAn assessor will call within\ttwo days."
    polled = InsurerConnector(
        AnsweringHttp(200, {"status": "assessing", "updated_at": "2027-01-15T09:00:00Z", "note": note})
    )
    assert polled.claim_progress(insurer("ins_a"), "CLM-7").note == note


@pytest.mark.parametrize("unsafe", UNSAFE)
def test_a_filed_claims_reference_with_control_or_bidi_characters_is_refused(unsafe):
    connector = InsurerConnector(AnsweringHttp(201, {"claim_reference": f"CLM{unsafe}7", "status": "received"}))
    with pytest.raises(InsurerRejected):
        connector.file_claim(insurer("ins_a"), filing())


@pytest.mark.parametrize("unsafe", UNSAFE)
def test_a_polled_note_with_control_or_bidi_characters_is_refused(unsafe):
    answer = {"status": "approved", "updated_at": "2027-01-15T09:00:00Z", "note": f"Approved{unsafe} pay 0"}
    connector = InsurerConnector(AnsweringHttp(200, answer))
    with pytest.raises(InsurerRejected):
        connector.claim_progress(insurer("ins_a"), "CLM-7")


def test_an_empty_or_overlong_text_is_refused_as_webhooks_refuse_it():
    with pytest.raises(InsurerRejected):
        InsurerConnector(AnsweringHttp(201, {"claim_reference": "", "status": "received"})).file_claim(
            insurer("ins_a"), filing()
        )
    answer = {"status": "approved", "updated_at": "2027-01-15T09:00:00Z", "note": "x" * 2001}
    with pytest.raises(InsurerRejected):
        InsurerConnector(AnsweringHttp(200, answer)).claim_progress(insurer("ins_a"), "CLM-7")
