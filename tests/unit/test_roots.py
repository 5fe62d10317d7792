"""Every root hands the item tags (and the notifications sender its follow-up recorder) to the services it builds:
building them needs no AWS call (clients are created, never used), so a wiring mistake shows here, not in a run."""

from __future__ import annotations

import pytest

from insure.risk.policy_tags import ItemTags


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from insure.settings import get_settings

    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def built(value):
    """A value a root defers (`insure.roots.deferred_item_tags`) as it is once built; any other as it is."""
    from insure.roots import _Deferred

    return value._value() if isinstance(value, _Deferred) else value


def test_a_deferred_value_is_built_on_its_first_use_and_only_once() -> None:
    from insure.roots import _Deferred

    calls = []

    class Tags:
        def sync(self, policy: str) -> str:
            return f"synced {policy}"

    deferred = _Deferred(lambda: calls.append(1) or Tags())
    assert calls == []
    assert deferred.sync("POL-1") == "synced POL-1"
    assert deferred.sync("POL-2") == "synced POL-2"
    assert calls == [1]


def test_the_services_that_sync_item_tags_get_them_from_their_roots(settings) -> None:
    from insure.roots.accounts import AccountsRoot
    from insure.roots.billing import BillingRoot, renewal_service
    from insure.roots.policies import PoliciesRoot
    from insure.roots.policy_tags import PolicyTagsRoot
    from insure.roots.workflows import WorkflowsRoot

    workflows, policies = WorkflowsRoot(settings), PoliciesRoot(settings)
    handed = [
        BillingRoot(settings).run.item_tags,
        renewal_service(settings, BillingRoot(settings).cards).item_tags,
        AccountsRoot(settings).accounts.item_tags,
        workflows.issuance.issuer.item_tags,  # type: ignore[attr-defined]
        workflows.amendments.item_tags,
        policies.cancellation.item_tags,
        PolicyTagsRoot(settings).item_tags,
    ]
    assert all(isinstance(built(tags), ItemTags) for tags in handed)
    assert policies.policies.tags is policies.risk.tag_store


def test_the_notifications_sender_records_follow_ups_through_the_risk_roots_event_updates(settings) -> None:
    from insure.risk.event_updates import EventUpdates
    from insure.roots.notifications import NotificationsRoot

    root = NotificationsRoot(settings)
    assert root.sender.record_done == root.record_done
    assert isinstance(root.event_updates, EventUpdates)
