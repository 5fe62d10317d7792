"""Recording an insurer's first answer: the PutItem over the item as the filing slot was taken writes exactly the
item the conditional update writes, from every state a first answer can meet; a change made after the slot was
taken makes it step aside, and the update decides."""

from __future__ import annotations

from typing import Any

import pytest

from insure.risk.progress_models import ProgressEntry
from insure.risk.progress_repository import ProgressRepository
from tests.moto_table import key_table

AT = "2026-12-03T08:00:00Z"


class Counting:
    """The DynamoDB client, counting the calls the repository makes."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, []
        self.exceptions = client.exceptions

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append(name)
            return method(**kwargs)

        return call


@pytest.fixture
def dynamodb():
    yield from key_table()


def _entry(status: str, note: str = "x") -> ProgressEntry:
    return ProgressEntry(status=status, updated_at=AT, note=note, source="connector")


def _before_slot(repo: ProgressRepository, insurer: str, state: str) -> None:
    """What happened to the item before a delivery took its filing slot."""
    repo.open_pending("re_1", insurer, "P-1", AT)
    if state == "webhook_later_status":
        repo.apply("re_1", insurer, _entry("assessing", "webhook"), claim_reference="C-1")
    elif state == "webhook_other_reference":
        repo.apply("re_1", insurer, _entry("received", "webhook"), claim_reference="C-OTHER")
    elif state == "facts_delivered":
        repo.note_facts_delivered("re_1", insurer, 3, AT)


def _record(repo: ProgressRepository, insurer: str) -> Any:
    return repo.record_first_response(
        "re_1",
        insurer,
        "C-1",
        _entry("received", "Claim filed"),
        arm_poll=True,
        notification={"to": "sales@example.com"},
        facts_revision=1,
    )


def _item(client: Any, insurer: str) -> dict[str, Any]:
    item = client.get_item(TableName="t", Key={"pk": {"S": "PROGRESS#re_1"}, "sk": {"S": f"INSURER#{insurer}"}})
    return {k: v for k, v in item["Item"].items() if k not in ("sk", "insurer_id", "gsi1pk")}


@pytest.mark.parametrize("state", ["pending", "webhook_later_status", "webhook_other_reference", "facts_delivered"])
def test_the_replacing_put_writes_what_the_update_writes(dynamodb, state):
    fast, slow = Counting(dynamodb), Counting(dynamodb)
    # Given the same history on two insurers' items, and each filing slot taken
    took_slot = {}
    for insurer, client in (("fast", fast), ("slow", slow)):
        took_slot[insurer] = ProgressRepository(client, "t")
        _before_slot(took_slot[insurer], insurer, state)
        assert took_slot[insurer].claim_filing("re_1", insurer, "holder", now=100.0, until=130.0)
    # When one answer is recorded by the repository that took the slot, the other by one that did not (the update)
    fast.calls.clear()
    recorded_fast = _record(took_slot["fast"], "fast")
    slow.calls.clear()
    recorded_slow = _record(ProgressRepository(slow, "t"), "slow")
    # Then the first was one PutItem, the second an update, and both wrote the same item and returned the same
    assert fast.calls == ["put_item"]
    assert "put_item" not in slow.calls
    assert _item(dynamodb, "fast") == _item(dynamodb, "slow")
    assert recorded_fast == recorded_slow.model_copy(update={"insurer_id": "fast"})


def _held(client: Any, insurer: str) -> dict[str, Any]:
    return client.get_item(TableName="t", Key={"pk": {"S": "PROGRESS#re_1"}, "sk": {"S": f"INSURER#{insurer}"}})["Item"]


@pytest.mark.parametrize("after_slot", ["webhook", "slot_taken_over"])
def test_a_change_after_the_slot_was_taken_leaves_the_answer_to_the_update(dynamodb, after_slot):
    client = Counting(dynamodb)
    repo = ProgressRepository(client, "t")
    repo.open_pending("re_1", "ins", "P-1", AT)
    assert repo.claim_filing("re_1", "ins", "first", now=100.0, until=130.0)
    # Given the item changed after this delivery took the slot
    other = ProgressRepository(dynamodb, "t")
    if after_slot == "webhook":
        other.apply("re_1", "ins", _entry("assessing", "webhook"), claim_reference="C-1")
    else:  # the lease lapsed and another delivery took the slot
        assert other.claim_filing("re_1", "ins", "second", now=200.0, until=230.0)
    # When the first answer is recorded
    client.calls.clear()
    recorded = _record(repo, "ins")
    # Then the put stepped aside and the update recorded it, over the item as it is now
    assert client.calls[0] == "put_item" and "update_item" in client.calls
    assert recorded is not None and recorded.claim_reference == "C-1"
    assert recorded.status == ("assessing" if after_slot == "webhook" else "received")
    assert "filing_holder" not in _held(dynamodb, "ins")
    # And a second record of the same answer (a duplicate delivery) changes nothing
    assert _record(repo, "ins") is None
