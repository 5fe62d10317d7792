"""Errors become RFC 9457 problems in one place."""

from __future__ import annotations

import json

from insure.errors import FieldError, RuleViolation
from insure.http.problems import field_path, from_domain_error, from_validation_errors


def test_field_paths_read_like_the_request():
    assert field_path(("body", "items", 0, "value")) == "items[0].value"
    assert field_path(("body", "applicant", "address", "zip")) == "applicant.address.zip"
    assert field_path(("body",)) == "body"
    assert field_path(("query", "page")) == "page"


def test_malformed_json_is_400_and_field_errors_are_422():
    malformed = from_validation_errors([{"type": "json_invalid", "loc": ("body", 3), "msg": "JSON decode error"}])
    assert malformed.status_code == 400
    invalid = from_validation_errors([{"type": "missing", "loc": ("body", "state"), "msg": "Field required"}])
    body = json.loads(invalid.body)
    assert invalid.status_code == 422
    assert invalid.content_type == "application/problem+json"
    assert body["errors"] == [{"field": "state", "message": "Field required"}]


def test_domain_error_keeps_its_field_errors():
    response = from_domain_error(RuleViolation("Over the limit.", errors=[FieldError("items[0].value", "too high")]))
    body = json.loads(response.body)
    assert response.status_code == 422
    assert body["status"] == 422 and body["detail"] == "Over the limit."
    assert body["errors"] == [{"field": "items[0].value", "message": "too high"}]
