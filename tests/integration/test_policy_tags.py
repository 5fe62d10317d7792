"""Tags on the platform's own policies, on moto with the real handlers: a policy bought here leaves issuance with a
QR tag on every item (registered with the platform's claims desk and the insured as customer), a report by its
policy number or tag opens a risk event, the customer attaches a tag they already have and adds another insurer's
policy on the object, and amendments add and retire tags with their items."""

from __future__ import annotations

import pytest

from insure.risk import policy_tags
from tests.integration.test_issuance import accepted, issuance, pay  # noqa: F401 - `issuance` is a fixture
from tests.integration.test_risk_intake import risk

SALES = {"name": "Sam Sales", "email": "sam@insurer.example", "phone": "+12125550123"}
FINDER = {"name": "Fran Finder", "phone": "+13125550177"}


@pytest.fixture
def bought(issuance):  # noqa: F811 - the fixture imported above
    """A computer policy bought in one session: (api, policy number, the session's authorization)."""
    api = issuance.api
    application_id, auth = accepted(api)
    paid = pay(api, application_id, auth)
    assert paid.status_code == 200, paid.json
    return api, paid.json["policy_number"], auth


def _register_insurer(platform_api, admin_key: str, name: str = "Harbor Insurance") -> str:
    created = platform_api.post(
        "/insurers",
        json={"name": name, "base_url": "https://claims.harbor.example", "salesperson": SALES},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    assert created.status_code == 201, created.json
    return str(created.json["insurer_id"])


def test_an_issued_policy_has_a_qr_tag_per_item_registered_with_the_claims_desk_and_the_insured(bought):
    api, number, auth = bought
    # When the customer reads their policy
    shown = api.get(f"/policies/{number}", headers=auth)
    # Then each covered item has its id and its tag, whose QR opens the web report page for it
    assert shown.status_code == 200
    (item,) = shown.json["items"]
    assert item["item_id"] == "item-1"
    assert item["brand"] == "Dell"
    assert item["tag_id"] == policy_tags.tag_id_for(number, "item-1")
    assert item["tag_url"] == f"http://127.0.0.1:3000/t/{item['tag_id']}"
    # And the tag is registered with the platform's claims desk as the insurer and the insured as the customer
    from insure.claims_desk.registration import PLATFORM_INSURER_ID

    get_tag = risk().tags.get
    tag = get_tag(item["tag_id"])
    assert tag is not None
    assert [(p.insurer_id, p.policy_number, p.product) for p in tag.policies] == [
        (PLATFORM_INSURER_ID, number, "computer")
    ]
    assert tag.object.description == "Dell XPS 13 (portable)"
    assert (tag.customer.name, tag.customer.phone, tag.customer.email) == (
        "Ada Lovelace",
        "+12125550100",
        "ada@example.com",
    )
    # And the claims desk is a registered insurer like any other
    listed = api.get("/insurers", headers={"Authorization": "Bearer test-admin-key"}).json["insurers"]
    assert PLATFORM_INSURER_ID in {i["insurer_id"] for i in listed}


def test_a_report_by_the_policy_number_or_the_tag_opens_a_risk_event(bought):
    api, number, auth = bought
    tag_id = api.get(f"/policies/{number}", headers=auth).json["items"][0]["tag_id"]
    # When a finder reports by the policy number
    by_policy = api.post("/risk-events", json={"policy_number": number, "reporter": FINDER})
    # Then an event opens (a third party's: linked to the customer's)
    assert by_policy.status_code == 201, by_policy.json
    token = {"Authorization": f"Bearer {by_policy.json['reporter_token']}"}
    event = api.get(f"/risk-events/{by_policy.json['risk_event_id']}", headers=token).json
    assert event["reporter_is_customer"] is False
    assert event["tag_id"] == tag_id
    # And the customer reporting by the tag is recognised as the customer
    by_tag = api.post(
        "/risk-events", json={"tag_id": tag_id, "reporter": {"name": "Ada Lovelace", "phone": "+1 212 555 0100"}}
    )
    assert by_tag.status_code == 201, by_tag.json
    mine = api.get(
        f"/risk-events/{by_tag.json['risk_event_id']}",
        headers={"Authorization": f"Bearer {by_tag.json['reporter_token']}"},
    ).json
    assert mine["reporter_is_customer"] is True


def test_the_customer_attaches_their_own_tag_and_adds_another_insurers_policy_on_the_object(bought, issuance):  # noqa: F811
    api, number, auth = bought
    other = _register_insurer(api, issuance.admin_key)
    url = f"/policies/{number}/items/item-1"
    # When the customer attaches the RFID tag their laptop already carries
    attached = api.post(f"{url}/tags", json={"tag_id": "E2003412DC03011926", "kind": "rfid"}, headers=auth)
    # And adds the policy another insurer wrote on the same laptop
    added = api.post(
        f"{url}/policies",
        json={"insurer_id": other, "policy_number": "HRB-778812", "product": "computer"},
        headers=auth,
    )
    # Then the item's tag lists both policies and the physical tag
    assert attached.status_code == 201, attached.json
    assert added.status_code == 201, added.json
    shown = api.get(f"{url}/tag", headers=auth).json
    assert [p["policy_number"] for p in shown["policies"]] == [number, "HRB-778812"]
    assert [(t["tag_id"], t["kind"]) for t in shown["physical_tags"]] == [("E2003412DC03011926", "rfid")]
    # And a report on the physical tag reaches the object's tag, with every insurer of the object
    get_tag = risk().tags.get
    tag = get_tag("E2003412DC03011926")
    assert tag is not None and tag.tag_id == shown["tag_id"]
    assert {s.insurer_id for s in tag.insurers} == {"ins_platform", other}
    opened = api.post("/risk-events", json={"tag_id": "E2003412DC03011926", "reporter": FINDER})
    assert opened.status_code == 201, opened.json
    # And the other insurer's policy number finds the same object
    assert api.post("/risk-events", json={"policy_number": "HRB-778812", "reporter": FINDER}).status_code == 201
    # And repeating either is a no-op
    again = api.post(f"{url}/tags", json={"tag_id": "E2003412DC03011926", "kind": "rfid"}, headers=auth)
    assert len(again.json["physical_tags"]) == 1
    # And a tag id that is registered already cannot be attached
    taken = api.post(f"{url}/tags", json={"tag_id": shown["tag_id"], "kind": "barcode"}, headers=auth)
    assert taken.status_code == 409


def test_item_tag_routes_check_credentials_before_the_body_and_refuse_unknown_insurers(bought, issuance):  # noqa: F811
    api, number, auth = bought
    url = f"/policies/{number}/items/item-1"
    # Without a token: 401 whatever the body
    assert api.post(f"{url}/tags", data="{not json", content_type="application/json").status_code == 401
    # Another session's token: 404, nothing learned about the policy
    _, other_auth = accepted(api)
    assert api.post(f"{url}/tags", json={"tag_id": "X1", "kind": "rfid"}, headers=other_auth).status_code == 404
    # With the token: malformed JSON 400, a broken field 422 naming it, an unknown item 404
    assert api.post(f"{url}/tags", data="{not json", content_type="application/json", headers=auth).status_code == 400
    broken = api.post(f"{url}/tags", json={"tag_id": "X1", "kind": "nfc"}, headers=auth)
    assert broken.status_code == 422
    assert broken.json["errors"][0]["field"] == "kind"
    missing = api.post(f"/policies/{number}/items/item-9/tags", json={"tag_id": "X1", "kind": "rfid"}, headers=auth)
    assert missing.status_code == 404
    # And a policy of an unregistered insurer is refused, naming the field
    unknown = api.post(
        f"{url}/policies", json={"insurer_id": "ins_nobody", "policy_number": "P-1", "product": "x"}, headers=auth
    )
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "insurer_id"
    assert api.get(f"{url}/tag", headers=auth).json["policies"][0]["policy_number"] == number


def test_amendments_add_and_retire_tags_with_their_items_and_cancellation_retires_them_all(bought):
    api, number, _ = bought
    from insure.policies.repository import PolicyRepository

    tags = risk().tags
    sync_tags = risk().item_tags.sync  # the tags' and insurers' repositories of the risk root
    get_tag, tags_for_policy = tags.get, tags.for_policy
    from insure.settings import get_settings

    issued = PolicyRepository(get_settings().table_name).get(number)
    assert issued is not None
    first = issued.current
    kept_tag = policy_tags.tag_id_for(number, "item-1")
    # When a version replaces the laptop's serial and adds a second item
    laptop = {**first.items[0], "serial_number": "SN-123"}
    desktop = {"item_id": "item-2", "kind": "desktop", "brand": "Apple", "model": "iMac", "value": "2000.00"}
    amended = first.model_copy(update={"version": 2, "change": "amended", "items": [laptop, desktop]})
    live = sync_tags(amended)
    # Then both items have tags, the kept one updated in place (same id, same customer)
    assert [t.tag_id for t in live] == [kept_tag, policy_tags.tag_id_for(number, "item-2")]
    assert get_tag(kept_tag).object.serial_number == "SN-123"
    assert get_tag(live[1].tag_id).customer.name == "Ada Lovelace"
    assert sync_tags(amended) == live  # a repeat changes nothing
    # When a later version removes the laptop
    sync_tags(amended.model_copy(update={"version": 3, "items": [desktop]}))
    # Then its tag is retired: no report reaches it, the desktop's still does
    assert get_tag(kept_tag) is None
    assert api.post("/risk-events", json={"tag_id": kept_tag, "reporter": FINDER}).status_code == 404
    assert [t.tag_id for t in tags_for_policy(number)] == [live[1].tag_id]
    # When the policy is cancelled, every tag is retired
    sync_tags(amended.model_copy(update={"version": 4, "items": [desktop], "status": "cancelled"}))
    assert tags_for_policy(number) == []
    assert api.post("/risk-events", json={"policy_number": number, "reporter": FINDER}).status_code == 404


def test_a_sync_reads_each_kept_tag_once_and_writes_nothing_unchanged(bought, monkeypatch):
    _, number, _ = bought
    from insure.policies.repository import PolicyRepository
    from insure.settings import get_settings

    item_tags = risk().item_tags
    tags = item_tags.tags  # the repository its sync reads
    issued = PolicyRepository(get_settings().table_name).get(number)
    assert issued is not None
    # Given the tag repository's reads and writes counted
    reads: list[str] = []
    writes: list[str] = []
    get_versioned, replace = tags.get_versioned, tags.replace
    monkeypatch.setattr(tags, "get_versioned", lambda tag_id: reads.append(tag_id) or get_versioned(tag_id))
    monkeypatch.setattr(tags, "replace", lambda tag, version: writes.append(tag.tag_id) or replace(tag, version))
    # When a new version with the same items is synced (an amendment that changed no item)
    live = item_tags.sync(issued.current.model_copy(update={"version": 2}))
    # Then each item's tag is read once, and nothing is written
    assert reads == [t.tag_id for t in live] and len(live) == len(issued.current.items)
    assert writes == []
