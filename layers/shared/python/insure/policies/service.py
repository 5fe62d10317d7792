"""Reading issued policies and every version of them: their owner only (404 someone else's, as for an unknown
policy). Each version has its own document in S3."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from insure.callers import Caller, owned
from insure.errors import NotFound
from insure.policies.billing import BillingView
from insure.policies.models import (
    PolicyHistoryEntry,
    PolicyItem,
    PolicyStatus,
    PolicyVersion,
    PolicyView,
    VersionsView,
    VersionView,
)
from insure.policies.repository import PolicyRepository, StoredPolicy
from insure.sessions import SessionRepository

if TYPE_CHECKING:
    from insure.risk.ports import TagLookup as TagIds


def today() -> dt.date:
    from insure import timestamps

    return timestamps.today()


def status_on(version: PolicyVersion, day: dt.date) -> PolicyStatus:
    """The status of a policy whose latest version is `version`, on `day`: a scheduled cancellation is
    `pending_cancellation` until its effective date and `cancelled` from it; a lapsed one (an installment left unpaid)
    stays `lapsed`; a policy is `expired` after its term."""
    if version.cancellation is not None:
        return (
            "cancelled" if day >= dt.date.fromisoformat(version.cancellation.effective_date) else "pending_cancellation"
        )
    if version.status == "lapsed":
        return "lapsed"
    if day >= dt.date.fromisoformat(version.expiry_date):
        return "expired"
    return version.status


@dataclass
class PolicyService:
    policies: PolicyRepository
    sessions: SessionRepository
    bucket: str
    public_base_url: str
    tags: TagIds

    def owned(self, policy_number: str, caller: Caller) -> StoredPolicy:
        return owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")

    def _url(self, policy_number: str, suffix: str = "") -> str:
        return f"{self.public_base_url.rstrip('/')}/policies/{policy_number}{suffix}"

    def get(self, policy_number: str, caller: Caller) -> PolicyView:
        stored = self.owned(policy_number, caller)
        current = stored.current
        return PolicyView(
            policy_number=policy_number,
            status=status_on(current, today()),
            version=current.version,
            current=current,
            history=[
                PolicyHistoryEntry(
                    version=v.version,
                    change=v.change,
                    status=v.status,
                    issued_at=v.issued_at,
                    made_by=v.made_by,
                    version_effective_date=v.in_force_from,
                )
                for v in stored.versions
            ],
            document_url=self._url(policy_number, "/document"),
            items=self.items(current),
        )

    def items(self, policy: PolicyVersion) -> list[PolicyItem]:
        """The covered items with their tags (tags exist from issuance on; none once the policy is not active)."""
        from insure.risk.policy_tags import items_with_ids, tag_id_for, tag_url

        registered = set(self.tags.tag_ids_for_policy(policy.policy_number)) if policy.status == "active" else set()
        items: list[PolicyItem] = []
        for item_id, item in items_with_ids(policy):
            tag_id = tag_id_for(policy.policy_number, item_id)
            tagged = tag_id in registered
            items.append(
                PolicyItem(
                    **{**item, "item_id": item_id},
                    tag_id=tag_id if tagged else None,
                    tag_url=tag_url(tag_id) if tagged else None,
                )
            )
        return items

    def _version_view(self, version: PolicyVersion) -> VersionView:
        return VersionView(
            policy_number=version.policy_number,
            version=version.version,
            status=version.status,
            change=version.change,
            made_by=version.made_by,
            changes=version.changes,
            version_effective_date=version.in_force_from,
            issued_at=version.issued_at,
            premium=version.premium,
            items=version.items,
            amendment_id=version.amendment_id,
            cancellation=version.cancellation,
            document_url=self._url(version.policy_number, f"/versions/{version.version}/document"),
            detail=version,
        )

    def versions(self, policy_number: str, caller: Caller) -> VersionsView:
        stored = self.owned(policy_number, caller)
        return VersionsView(policy_number=policy_number, versions=[self._version_view(v) for v in stored.versions])

    def _version(self, policy_number: str, number: int, caller: Caller) -> PolicyVersion:
        stored = self.owned(policy_number, caller)
        found = stored.version(number)
        if found is None:
            raise NotFound(f"Policy {policy_number} has no version {number}.")
        return found

    def version(self, policy_number: str, number: int, caller: Caller) -> VersionView:
        return self._version_view(self._version(policy_number, number, caller))

    def document(self, policy_number: str, caller: Caller) -> bytes:
        """The PDF of the current version."""
        return self._pdf(self.owned(policy_number, caller).current)

    def version_document(self, policy_number: str, number: int, caller: Caller) -> bytes:
        """The PDF of version `number`, as it was issued."""
        return self._pdf(self._version(policy_number, number, caller))

    def billing(self, policy_number: str, caller: Caller) -> BillingView:
        """The plan, schedule, payments, refunds and balance of the policy."""
        from insure.applications.repository import ApplicationRepository
        from insure.billing.repository import BillingRepository
        from insure.policies.billing import billing_view, history_view

        stored = self.owned(policy_number, caller)
        first = stored.versions[0]
        applications = ApplicationRepository(self.policies.table)
        application = applications.get(first.application_id)
        payment = (application.payment if application else None) or {}
        card = {k: str(payment[k]) for k in ("brand", "last4") if payment.get(k)}
        billing = BillingRepository(self.policies.table)
        records = self.policies.payments(policy_number)
        view = billing_view(
            first,
            (payment.get("charge_id"), card, payment.get("paid_at")),
            records,
            billing.installments(policy_number),
            current=stored.current,
            today=today(),
            first_paid=payment,
        )
        versions = [
            *applications.payment_attempts(first.application_id),
            *billing.versions(policy_number),
            *(r.as_version() for r in records),
        ]
        account = billing.account(policy_number)
        kept = {"card": account.card} if account and account.card else {}  # the card kept now
        return view.model_copy(update={**kept, "history": history_view(versions)})

    def _pdf(self, version: PolicyVersion) -> bytes:
        from botocore.exceptions import ClientError

        from insure.aws import client
        from insure.policies.issuance import store_document

        try:
            found = client("s3").get_object(Bucket=self.bucket, Key=version.document_key)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
            return store_document(self.bucket, version)  # issuance writes it just after the status
        body: bytes = found["Body"].read()
        return body
