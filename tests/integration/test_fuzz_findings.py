"""What the fuzzing gate (tests/e2e/test_fuzz.py) found, each kept as a plain test: the request it generated, the
answer the contract promises, and that nothing changed."""

from __future__ import annotations

from tests.integration.test_issuance import issuance  # noqa: F401 - a fixture
from tests.integration.test_policy_tags import bought  # noqa: F401 - a fixture


def test_another_insurers_policy_with_control_characters_is_a_field_error_not_a_500(bought):  # noqa: F811
    api, number, auth = bought
    url = f"/policies/{number}/items/item-1"
    before = api.get(f"{url}/tag", headers=auth).json["policies"]
    # When the customer adds a policy whose insurer id and product hold control characters (found: a 500, the
    # request model let them through and the tag's own model refused them after validation)
    body = {"insurer_id": "ins\x00\x9b", "policy_number": "P-1", "product": "comp\u202euter"}
    added = api.post(f"{url}/policies", json=body, headers=auth)
    # Then it is a 422 naming both fields, and the tag's policies are as they were
    assert added.status_code == 422, added.json
    assert sorted(e["field"] for e in added.json["errors"]) == ["insurer_id", "product"]
    assert api.get(f"{url}/tag", headers=auth).json["policies"] == before
