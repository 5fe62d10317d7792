"""The accounts API models (requests and responses), built on first use."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from insure.billing.models import PendingRenewal
from insure.products.models import Address, Email, Name, Phone
from insure.types import Money, Timestamp

Secret = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class AccountRequest(_Body):
    """`POST /accounts`: the e-mail and password the person will sign in with."""

    email: Email
    password: Secret = Field(description="At least 8 characters, not a common or breached password; no other rule")


class AccountCreated(BaseModel):
    model_config = ConfigDict(defer_build=True)

    customer_id: str
    email: str
    linked_application_id: str


class LoginRequest(_Body):
    email: Email
    password: Secret


class Tokens(BaseModel):
    """A login: send `access_token` as `Authorization: Bearer`; trade `refresh_token` for new tokens."""

    model_config = ConfigDict(defer_build=True)

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int = Field(description="Seconds the access token lives")
    refresh_token: str = Field(description="Single use: each refresh returns a new one")
    refresh_expires_in: int
    customer_id: str


class RefreshRequest(_Body):
    refresh_token: Secret


class LogoutRequest(_Body):
    refresh_token: Secret | None = Field(None, description="The login to end (else the access token's login)")


class PasswordResetRequest(_Body):
    email: Email


class PasswordResetAccepted(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Literal["accepted"] = "accepted"
    detail: str = "If an account uses this e-mail, a code was sent to it."


class PasswordResetConfirm(_Body):
    email: Email
    code: Code
    new_password: Secret


class NotificationPreferences(BaseModel):
    """Per channel: False opts out of messages about policies, claims and reports (security messages such as a
    reset code the person asked for are always sent); `offers`: tell me about new offers."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    email: StrictBool = True  # strict: `0` or `"false"` is a 422, not a silent opt-out
    sms: StrictBool = True
    offers: StrictBool = False


class Profile(BaseModel):
    """The customer record's content (what each version holds)."""

    model_config = ConfigDict(defer_build=True)

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    address: dict[str, Any] | None = None
    notifications: NotificationPreferences = Field(default_factory=NotificationPreferences)


class MePatch(_Body):
    """`PATCH /me`: the fields to change; each change is a new version of the customer record."""

    email: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    company_name: Name | None = None
    contact_name: Name | None = None
    phone: Phone | None = None
    address: Address | None = None
    notifications: NotificationPreferences | None = None


class MeView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    customer_id: str
    version: int
    profile: Profile
    created_at: Timestamp


class MadeBy(BaseModel):
    kind: Literal["customer", "back_office", "workflow"]
    id: str | None = None


class CustomerVersionView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    version: int
    effective_at: Timestamp
    made_by: MadeBy
    change: str = Field(description="created, updated, ...")
    changes: dict[str, Any] = Field(description="Each changed field: {from, to}")
    profile: Profile


class CustomerEvent(BaseModel):
    """A security event on the account: locked, unlocked, password_changed, password_reset_requested."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    at: Timestamp
    event: str
    until: Timestamp | None = Field(None, description="When a lock ends (`locked`)")


class HistoryView(BaseModel):
    """Every version of the customer record, oldest first, and the account's security events."""

    model_config = ConfigDict(defer_build=True)

    customer_id: str
    versions: list[CustomerVersionView]
    events: list[CustomerEvent]


class PolicySummary(BaseModel):
    model_config = ConfigDict(defer_build=True)

    policy_number: str
    status: str
    version: int
    product: str
    state: str
    insured: str
    premium: Money
    effective_date: str
    expiry_date: str
    application_id: str
    url: str
    document_url: str
    renewal: PendingRenewal | None = Field(
        None, description="The renewal awaiting the customer (offered, accepted or declined), when there is one"
    )
    payment_failed: Money | None = Field(
        None,
        description="What a declined installment leaves owed (paid at POST /policies/{n}/billing/payment with another "
        "card, or by the next retry), when one was declined",
    )


class MyPolicies(BaseModel):
    model_config = ConfigDict(defer_build=True)

    policies: list[PolicySummary]


class AccountStatus(BaseModel):
    """The back office's view of an account's sign-in state."""

    model_config = ConfigDict(defer_build=True)

    customer_id: str
    email: str
    failed_logins: int
    locked: bool
    locked_until: Timestamp | None
    locks: int
