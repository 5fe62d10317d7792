"""The platform tags what a tag can be put on: `sync_tags` registers a QR tag for each covered physical object
(computer equipment, a building, in a bundle too) and none for a business's operations, an income, a life or
medical expenses, which is what the policy document prints (`tests/unit/test_policy_document.py`); a tag left on
such an item by an earlier sync is retired. Run on the real tag repository over a moto table."""

from __future__ import annotations

from typing import Any

import pytest

from insure.claims_desk.registration import PLATFORM_INSURER_ID
from insure.policies.holder import Holder
from insure.risk.policy_tags import ItemTags, tag_id_for
from insure.risk.tags import TagRepository
from tests import document_samples as samples
from tests.moto_table import key_table
from tests.unit.fakes_risk import FakeInsurers, insurer

PHYSICAL = {"computer", "property"}


@pytest.fixture
def item_tags(monkeypatch: pytest.MonkeyPatch) -> Any:
    # the holder is read from the application and the account elsewhere: here, the sample's insured
    monkeypatch.setattr(
        "insure.policies.holder.holder_of", lambda number, app, insured, **_: Holder(name=insured, greeting=insured)
    )
    for client in key_table():
        yield ItemTags(TagRepository(client, "t"), FakeInsurers(insurer(PLATFORM_INSURER_ID)))  # type: ignore[arg-type]


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_only_physical_objects_get_a_tag(product: str, item_tags: Any) -> None:
    # Given an issued policy of the product
    policy = samples.issued(product)
    # When its tags are brought in line with it
    live = item_tags.sync(policy)
    # Then each physical object has a live tag and no other item has one
    objects = [item["item_id"] for item in policy.items if item["coverage"] in PHYSICAL]
    assert [tag.item_id for tag in live] == objects
    assert sorted(item_tags.tags.tag_ids_for_policy(policy.policy_number)) == sorted(
        tag_id_for(policy.policy_number, item_id) for item_id in objects
    )
    for item in policy.items:
        tag = item_tags.tags.get(tag_id_for(policy.policy_number, item["item_id"]))
        assert (tag is not None) is (item["coverage"] in PHYSICAL)


def test_a_tag_registered_on_an_item_that_is_not_an_object_is_retired_on_the_next_sync(item_tags: Any) -> None:
    from insure.risk.tags import InsuredObject, Tag, TagPolicy
    from tests.unit.fakes_risk import CUSTOMER

    # Given a casualty policy whose business operations got a tag before the platform tagged only objects
    policy = samples.issued("casualty")
    item_id = policy.items[0]["item_id"]
    stale = Tag(
        tag_id=tag_id_for(policy.policy_number, item_id),
        kind="qr",
        object=InsuredObject(description="casualty", category="casualty"),
        customer=CUSTOMER,
        policies=[TagPolicy(insurer_id=PLATFORM_INSURER_ID, policy_number=policy.policy_number, product="casualty")],
        created_at="2026-12-01T14:05:00Z",
        issuing_policy=policy.policy_number,
        item_id=item_id,
    )
    item_tags.tags.put_new(stale)
    # When the policy's tags are synced again (its next version)
    assert item_tags.sync(policy) == []
    # Then that tag is retired
    found = item_tags.tags.get(stale.tag_id)
    assert found is not None and found.retired
