"""Reading issued policies: their owner only (404 someone else's, as for an unknown policy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from insure.callers import Caller, owned
from insure.policies.models import PolicyHistoryEntry, PolicyItem, PolicyVersion, PolicyView
from insure.policies.repository import PolicyRepository, StoredPolicy
from insure.sessions import SessionRepository
from insure.settings import PlatformSettings


@dataclass
class PolicyService:
    policies: PolicyRepository
    sessions: SessionRepository
    bucket: str
    public_base_url: str

    def owned(self, policy_number: str, caller: Caller) -> StoredPolicy:
        return owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")

    def get(self, policy_number: str, caller: Caller) -> PolicyView:
        stored = self.owned(policy_number, caller)
        current = stored.current
        return PolicyView(
            policy_number=policy_number,
            status=current.status,
            current=current,
            history=[
                PolicyHistoryEntry(version=v.version, change=v.change, status=v.status, issued_at=v.issued_at)
                for v in stored.versions
            ],
            document_url=f"{self.public_base_url.rstrip('/')}/policies/{policy_number}/document",
            items=self.items(current),
        )

    @staticmethod
    def items(policy: PolicyVersion) -> list[PolicyItem]:
        """The covered items with their tags (tags exist from issuance on; none once the policy is not active)."""
        from insure.risk.policy_tags import items_with_ids, tag_id_for, tag_url
        from insure.risk.tags import repository

        registered = set(repository().tag_ids_for_policy(policy.policy_number)) if policy.status == "active" else set()
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

    def document(self, policy_number: str, caller: Caller) -> bytes:
        """The PDF of the current version."""
        from botocore.exceptions import ClientError

        from insure.aws import client
        from insure.policies.issuance import store_document

        stored = self.owned(policy_number, caller)
        try:
            found = client("s3").get_object(Bucket=self.bucket, Key=stored.current.document_key)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
            return store_document(self.bucket, stored.current)  # issuance writes it just after the status
        body: bytes = found["Body"].read()
        return body


def policy_service() -> PolicyService:
    """The service wired to this environment's resources (built on first use, again when settings change)."""
    from insure.settings import get_settings

    return _service_for(get_settings())


@cache
def _service_for(settings: PlatformSettings) -> PolicyService:
    return PolicyService(
        policies=PolicyRepository(settings.table_name),
        sessions=SessionRepository(settings.table_name),
        bucket=settings.documents_bucket,
        public_base_url=settings.public_base_url,
    )
