"""Issuing a policy from a paid application: the number, the dates, the first version item and its PDF in S3."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.applications.repository import ApplicationRecord
from insure.policies.document import DocumentContext, render, requires_signature
from insure.policies.models import Change, PolicyVersion
from insure.policies.numbers import policy_number
from insure.policies.repository import PolicyRepository, StoredPolicy
from insure.types import Money

if TYPE_CHECKING:
    from insure.risk.policy_tags import ItemTags


def insured_name(applicant: dict[str, Any]) -> str:
    return str(applicant.get("company_name") or f"{applicant.get('first_name', '')} {applicant.get('last_name', '')}")


def with_item_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items, each with its `item_id` (`item-1`, `item-2`, ... in order, unless it has one): the id the
    item's tag, amendments and `GET /policies/{n}` refer to it by."""
    return [{**item, "item_id": item.get("item_id") or f"item-{n}"} for n, item in enumerate(items, start=1)]


def document_key(number: str, version: int) -> str:
    return f"policies/{number}/v{version:04d}.pdf"


@dataclass
class PolicyIssuance:
    policies: PolicyRepository
    bucket: str
    item_tags: ItemTags

    def policy_of(self, application: ApplicationRecord, *, today: dt.date | None = None) -> PolicyVersion:
        """The first version of `application`'s policy; its number is derived, so a retry gets the same one."""
        number = policy_number(application.application_id, application.submissions)
        today = today or timestamps.today()
        stored = application.input
        offer = application.offer or {}
        try:
            expiry = today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            expiry = today + dt.timedelta(days=365)
        return PolicyVersion(
            policy_number=number,
            version=1,
            change="issued",
            made_by="workflow",
            changes=[Change(kind="issued")],
            version_effective_date=today.isoformat(),
            application_id=application.application_id,
            product=stored["product"],
            state=stored["state"],
            insured=insured_name(stored.get("applicant", {})),
            applicant_type=stored["applicant_type"],
            items=with_item_ids(stored["items"]),
            premium=Money(**offer["premium"]),
            effective_date=today.isoformat(),
            expiry_date=expiry.isoformat(),
            issued_at=timestamps.now(),
            referrer=stored.get("referrer"),
            signed_by_officer=requires_signature(stored["state"]),
            document_key=document_key(number, 1),
            rulebook_version=(application.decision or {}).get("rulebook_version"),
            **self._plan_of(application, today),
        )

    @staticmethod
    def _plan_of(application: ApplicationRecord, start: dt.date) -> dict[str, Any]:
        """The payment plan paid at bind and its schedule over the term starting `start` (the offer's amounts;
        due dates from the first day of the term)."""
        from insure.billing.plans import redated

        name = str((application.payment or {}).get("payment_plan") or "annual")
        offered = next((p for p in (application.offer or {}).get("payment_plans") or [] if p["plan"] == name), None)
        return {"payment_plan": name, "payment_schedule": redated(offered, start) if offered else None}

    def store(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        """Keep the version and open its billing account with the term's installments (no-ops when a retried
        issuance already stored them)."""
        self.policies.put_version(
            policy,
            session_hash=application.session_hash,
            session_expires_at_epoch=application.session_expires_at_epoch,
        )
        from insure.billing.accounts import open_billing

        open_billing(self.policies.table, policy, application)

    def tag_items(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        """A risk identification tag on every covered item (a no-op for tags a retried issuance registered)."""
        applicant = application.input.get("applicant")
        self.item_tags.sync(policy, applicant=applicant if isinstance(applicant, dict) else {})

    def store_document(self, policy: PolicyVersion) -> None:
        store_document(self.bucket, policy)

    def tell_holder(self, policy: PolicyVersion, application: ApplicationRecord) -> None:
        """The holder is told the policy is issued (`insure.policies.notices`)."""
        from insure.policies.notices import tell_holder_of

        tell_holder_of(policy, session_hash=application.session_hash, applicant=application.input.get("applicant"))


def applicant_of(application_id: str, table: str | None = None) -> dict[str, Any]:
    """The applicant as applied on the application a policy was issued from ({} when it has none)."""
    from insure.applications.repository import ApplicationRepository

    if table is None:
        from insure.settings import get_settings

        table = get_settings().table_name
    application = ApplicationRepository(table).get(application_id)
    applicant = (application.input.get("applicant") if application else None) or {}
    return applicant if isinstance(applicant, dict) else {}


def document_context(
    policy: PolicyVersion, *, applicant: dict[str, Any] | None = None, stored: StoredPolicy | None = None
) -> DocumentContext:
    """What the document of `policy` shows beyond the version: the applicant as applied (the insured's name and
    mailing address, from the application the policy was issued from), the policy's earlier versions (for the
    schedule of endorsements) and the minimum premium of the rulebook it was underwritten on. A caller that has
    already read the `applicant` or the `stored` policy hands them in, and they are not read again."""
    from insure.policies.changes import minimum_premium
    from insure.settings import get_settings

    table = get_settings().table_name
    if applicant is None:
        applicant = applicant_of(policy.application_id, table)
    if stored is None and policy.version > 1:
        stored = PolicyRepository(table).get(policy.policy_number)
    earlier = [v for v in stored.versions if v.version < policy.version] if stored else []
    return DocumentContext(
        applicant=applicant, earlier=earlier, minimum_premium=minimum_premium(policy.rulebook_version)
    )


def store_document(bucket: str, policy: PolicyVersion, *, context: DocumentContext | None = None) -> bytes:
    """Render the policy's PDF and put it at its key in `bucket`; the bytes."""
    from insure.aws import client

    pdf = render(policy, context=context or document_context(policy))
    client("s3").put_object(Bucket=bucket, Key=policy.document_key, Body=pdf, ContentType="application/pdf")
    return pdf
