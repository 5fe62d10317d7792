"""What the amendment service needs from the rest of the platform, as small interfaces: the composition root hands
in the repositories and services (`insure.roots.policies`), unit tests hand in fakes (`tests/unit/fakes.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from insure.amendments.repository import AmendmentRecord
    from insure.applications.repository import ApplicationRecord
    from insure.callers import Caller
    from insure.payments.history_repository import RecordVersion
    from insure.policies.repository import StoredPolicy


class OwnedPolicies(Protocol):
    def owned(self, policy_number: str, caller: Caller) -> StoredPolicy:
        """The policy if `caller` owns it; NotFound otherwise (`insure.policies.service.PolicyService`)."""


class PolicyTurns(Protocol):
    """The one change in flight on a policy (`insure.policies.repository.PolicyRepository`)."""

    def claim(self, policy_number: str, holder: str) -> None:
        """Conflict when another change is in flight or the policy is cancelled."""

    def release(self, policy_number: str, holder: str, *, cancelled: bool = False) -> None: ...


class AmendmentStore(Protocol):
    """Amendment records (`insure.amendments.repository.AmendmentRepository`): `change` applies `set_fields`
    and `remove` when the record is in one of `when_status` and its fields equal `when`; Conflict otherwise
    (`read`: the record as just read, which spares a read when it has not moved on since)."""

    def create(self, record: AmendmentRecord) -> None: ...

    def get(self, policy_number: str, amendment_id: str) -> AmendmentRecord | None: ...

    def change(
        self,
        policy_number: str,
        amendment_id: str,
        *,
        set_fields: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        when_status: tuple[str, ...] | None = None,
        when: dict[str, Any] | None = None,
        read: AmendmentRecord | None = None,
    ) -> AmendmentRecord: ...

    def settlement_versions(self, amendment_id: str) -> list[RecordVersion]:
        """Every version of the amendment's settlement (each charge attempt, or the refund), oldest first."""


class ApplicationReader(Protocol):
    def get(self, application_id: str, *, consistent: bool = True) -> ApplicationRecord | None: ...
