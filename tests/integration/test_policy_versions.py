"""Every edit kept: the issued policy is version 1 with its covered items (each with an item id), every version is
served with its own document, and an application's earlier decisions survive a modify-and-resubmit."""

from __future__ import annotations

from scripts.samples import APPLICATION
from tests.integration.test_issuance import accepted, open_application, pay, submit


def issued(api):
    application_id, auth = accepted(api)
    paid = pay(api, application_id, auth)
    assert paid.status_code == 200, paid.json
    return paid.json["policy_number"], auth


def test_the_issued_policy_lists_its_items_with_ids_and_is_version_1(issuance):
    api = issuance.api
    # Given an issued policy
    number, auth = issued(api)
    # When the owner reads it
    policy = api.get(f"/policies/{number}", headers=auth).json
    # Then it lists the covered items, each with an item id, as version 1 made by the workflow
    assert policy["version"] == 1
    assert [item["model"] for item in policy["items"]] == ["XPS 13"]
    assert policy["items"][0]["item_id"] == "item-1"
    assert policy["history"] == [
        {
            "version": 1,
            "change": "issued",
            "status": "active",
            "issued_at": policy["current"]["issued_at"],
            "made_by": "workflow",
            "version_effective_date": policy["current"]["effective_date"],
        }
    ]


def test_every_version_is_served_with_its_own_document(issuance):
    api = issuance.api
    number, auth = issued(api)
    # When the owner lists the versions
    listed = api.get(f"/policies/{number}/versions", headers=auth)
    # Then each comes with its number, effective date, author, changes and document
    assert listed.status_code == 200
    (first,) = listed.json["versions"]
    assert first["version"] == 1
    assert first["made_by"] == "workflow"
    assert first["changes"] == [{"kind": "issued", "item_id": None, "fields": [], "before": None, "after": None}]
    assert first["document_url"].endswith(f"/policies/{number}/versions/1/document")
    one = api.get(f"/policies/{number}/versions/1", headers=auth)
    assert one.status_code == 200
    assert one.json == first
    document = api.get(f"/policies/{number}/versions/1/document", headers=auth)
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.data.startswith(b"%PDF")


def test_versions_are_the_owners_only_and_unknown_versions_are_404(issuance):
    api = issuance.api
    number, auth = issued(api)
    _, other = open_application(api)
    assert api.get(f"/policies/{number}/versions/2", headers=auth).status_code == 404
    # a version the policy never had is 404 however it is numbered; one that is not a number is 422
    for missing in ("0", "-1", "10000"):
        assert api.get(f"/policies/{number}/versions/{missing}", headers=auth).status_code == 404
        assert api.get(f"/policies/{number}/versions/{missing}/document", headers=auth).status_code == 404
    assert api.get(f"/policies/{number}/versions/two", headers=auth).status_code == 422
    assert api.get(f"/policies/{number}/versions", headers=other).status_code == 404
    assert api.get(f"/policies/{number}/versions/1/document", headers=other).status_code == 404
    assert api.get(f"/policies/{number}/versions").status_code == 401


def test_earlier_decisions_survive_a_modify_and_resubmit(issuance):
    api = issuance.api
    old = [{**APPLICATION["items"][0], "purchase_year": 2012}]
    application_id, auth = open_application(api, items=old)
    # Given a declined application
    assert submit(api, application_id, auth)["status"] == "declined"
    # When it is corrected and approved on the second submission
    api.patch(f"/applications/{application_id}", json={"items": APPLICATION["items"]}, headers=auth)
    assert submit(api, application_id, auth)["status"] == "offered"
    # Then both decisions are kept, the decline with its reasons
    shown = api.get(f"/applications/{application_id}", headers=auth).json
    decisions = shown["decisions"]
    assert [d["submission"] for d in decisions] == [1, 2]
    assert decisions[0]["decision"]["approved"] is False
    assert "CMP-B-OLD" in [r["rule_id"] for r in decisions[0]["decision"]["reasons"]]
    assert decisions[1]["decision"] == shown["decision"]
