"""Issuing a policy from a paid application: the number, the dates, the first version item and its PDF in S3."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from insure.applications.repository import ApplicationRecord
from insure.policies.document import render, requires_signature
from insure.policies.models import PolicyVersion
from insure.policies.numbers import policy_number
from insure.policies.repository import PolicyRepository
from insure.types import Money


def insured_name(applicant: dict[str, Any]) -> str:
    return str(applicant.get("company_name") or f"{applicant.get('first_name', '')} {applicant.get('last_name', '')}")


def document_key(number: str, version: int) -> str:
    return f"policies/{number}/v{version:04d}.pdf"


@dataclass
class PolicyIssuance:
    policies: PolicyRepository
    bucket: str

    @classmethod
    def from_settings(cls) -> PolicyIssuance:
        from insure.settings import get_settings

        settings = get_settings()
        return cls(PolicyRepository(settings.table_name), settings.documents_bucket)

    def issue(self, application: ApplicationRecord, *, today: dt.date | None = None) -> str:
        """The policy number of `application`'s first policy version, creating it (and its PDF) if needed."""
        from insure.aws import client

        number = policy_number(application.application_id, application.submissions)
        today = today or dt.datetime.now(dt.UTC).date()
        stored = application.input
        offer = application.offer or {}
        try:
            expiry = today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            expiry = today + dt.timedelta(days=365)
        version = PolicyVersion(
            policy_number=number,
            version=1,
            change="issued",
            application_id=application.application_id,
            product=stored["product"],
            state=stored["state"],
            insured=insured_name(stored.get("applicant", {})),
            applicant_type=stored["applicant_type"],
            items=stored["items"],
            premium=Money(**offer["premium"]),
            effective_date=today.isoformat(),
            expiry_date=expiry.isoformat(),
            issued_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            referrer=stored.get("referrer"),
            signed_by_officer=requires_signature(stored["state"]),
            document_key=document_key(number, 1),
            rulebook_version=(application.decision or {}).get("rulebook_version"),
        )
        client("s3").put_object(
            Bucket=self.bucket, Key=version.document_key, Body=render(version), ContentType="application/pdf"
        )
        self.policies.put_version(
            version,
            session_hash=application.session_hash,
            session_expires_at_epoch=application.session_expires_at_epoch,
        )
        return number
