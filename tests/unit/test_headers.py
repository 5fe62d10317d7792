"""Request headers are read in any case through one helper on Powertools' CaseInsensitiveDict."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.common import CaseInsensitiveDict

from insure.auth import bearer_token
from insure.headers import header


def test_a_header_is_found_whatever_its_case_and_an_empty_one_counts_as_absent() -> None:
    sent = {"Idempotency-KEY": "k-1", "X-Request-Id": "", "content-type": "application/json"}
    assert header(sent, "idempotency-key") == "k-1"
    assert header(CaseInsensitiveDict(sent), "Content-Type") == "application/json"
    assert header(sent, "x-request-id") is None
    assert header(sent, "origin") is None
    assert header(None, "origin") is None


def test_the_bearer_token_is_read_from_an_authorization_header_in_any_case() -> None:
    assert bearer_token({"AUTHORIZATION": "bearer  tok-1 "}) == "tok-1"
    assert bearer_token({"authorization": "Basic abc"}) is None
    assert bearer_token({"Authorization": ""}) is None
    assert bearer_token(None) is None
