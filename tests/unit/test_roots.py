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


class _Unread:
    """Settings that must not be read: any attribute read fails the test."""

    def __getattr__(self, name: str):
        raise AssertionError(f"setting {name} read")


class _NothingDue:
    def due(self, on_or_before: str, *, limit: int | None = None) -> list:
        return []

    def renewals_due(self, on_or_before: str) -> list:
        return []


def test_a_scheduled_run_that_finds_nothing_due_reads_no_setting(monkeypatch) -> None:
    """The billing and renewal runs from the environment read the table's name only until something is due, so a
    run with nothing due validates no settings (pydantic is imported when the first installment or renewal is)."""
    import os
    import subprocess
    import sys

    from insure.billing.renewals import RenewalService
    from insure.billing.runs import BillingRun

    unread, nothing = _Unread(), _NothingDue()
    run = BillingRun(billing=nothing, policies=None, processor=None, item_tags=None, settings=unread)  # type: ignore[arg-type]
    assert run.run().due == 0
    renewals = RenewalService(billing=nothing, policies=None, processor=None, item_tags=None, settings=unread)  # type: ignore[arg-type]
    assert renewals.run() == {"offered": 0, "declined": 0, "expired": 0, "skipped": 0}
    # And the roots built from the environment import neither the settings nor pydantic to build those runs
    probe = (
        "import sys; from insure.roots.billing import BillingRoot; root = BillingRoot.from_environment(); "
        "root.run; root.renewals; print(sorted(m for m in ('pydantic', 'insure.settings') if m in sys.modules))"
    )
    environment = {**os.environ, "TABLE_NAME": "t", "PYTHONPATH": os.pathsep.join(sys.path)}
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment)
    assert shown.stdout.strip() == "[]"
    # And the settings are read (validated) on their first use
    monkeypatch.setenv("TABLE_NAME", "t")
    from insure.roots.billing import BillingRoot
    from insure.settings import get_settings

    get_settings.cache_clear()
    root = BillingRoot.from_environment()
    assert root.run.settings.billing_run_workers == get_settings().billing_run_workers
    assert root.renewals.settings.renewal_notice_days == 30
    get_settings.cache_clear()
