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


def test_a_notification_choice_is_a_json_boolean_not_a_number_or_a_string(issuance):  # noqa: F811
    """Found by the fuzzing gate as a signed-in customer: PATCH /me took `"sms": 0` (and `"false"`) as an opt-out,
    although the document says boolean; a client's mistake there silently stopped the customer's messages."""
    from tests.integration.test_accounts import create_account, issued_policy, login

    api = issuance.api
    _, auth, _ = issued_policy(api)
    assert create_account(api, auth).status_code == 201
    access = {"Authorization": f"Bearer {login(api).json['access_token']}"}
    before = api.get("/me", headers=access).json
    for sent in (0, 1, "false", "yes", None):
        changed = api.patch("/me", json={"notifications": {"sms": sent}}, headers=access)
        assert changed.status_code == 422, (sent, changed.json)
        assert [e["field"] for e in changed.json["errors"]] == ["notifications.sms"]
    assert api.get("/me", headers=access).json == before
    # A boolean is a change, as before
    assert api.patch("/me", json={"notifications": {"sms": False}}, headers=access).status_code == 200
    assert api.get("/me", headers=access).json["profile"]["notifications"]["sms"] is False
