"""Accounts as the API drives them: create (from a session), sign in, refresh, sign out, reset the password, read
and change the customer record (each change a new version), list the customer's policies; the back office unlocks
and reads the history. Time comes from an injected clock, so tests move it instead of sleeping."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.accounts import passwords
from insure.accounts.credentials import Credentials, normalized_email
from insure.accounts.lockout import LoginState, unlocked
from insure.accounts.models import (
    AccountCreated,
    AccountRequest,
    AccountStatus,
    CustomerEvent,
    CustomerVersionView,
    HistoryView,
    MePatch,
    MeView,
    MyPolicies,
    PolicySummary,
    Profile,
)
from insure.accounts.repository import Account, AccountRepository, CustomerVersion
from insure.callers import Caller, Customer, SessionCaller
from insure.errors import Conflict, NotFound, Unauthorized

if TYPE_CHECKING:
    from insure.risk.policy_tags import ItemTags

HOLDER_FIELDS = frozenset({"email", "phone", "first_name", "last_name", "company_name", "contact_name", "address"})
"""The customer record's fields that the tags of their policies carry (`insure.policies.holder`)."""


@dataclass
class AccountService(Credentials):
    """Accounts: creating one (from a session), the customer record and its versions, the customer's policies,
    the back office; signing in, tokens and password resets come from `Credentials`."""

    accounts: AccountRepository
    table: str
    item_tags: ItemTags
    access_ttl_s: int = 900
    refresh_ttl_s: int = 30 * 24 * 3600
    max_failures: int = 5
    lock_s: int = 900
    source_max_failures: int = 30
    source_window_s: int = 900
    reset_ttl_s: int = 900
    reset_max_attempts: int = 5
    public_base_url: str = ""
    clock: Callable[[], float] = field(default=timestamps.epoch)
    notify: Callable[..., str] | None = None

    # -- creating -------------------------------------------------------------------------------------------
    def create(self, body: AccountRequest, caller: Caller) -> AccountCreated:
        """The account of the person holding a live session; the session's application and policy become theirs."""
        from insure.applications.repository import ApplicationRepository

        if isinstance(caller, Customer):
            raise Conflict("You are signed in to an account already; applications you open signed in are its own.")
        if not isinstance(caller, SessionCaller):
            raise Unauthorized("Send Authorization: Bearer <session_token> of your application or policy.")
        session = caller
        email = normalized_email(body.email)
        owner = self.accounts.owner_of_session(session.token_hash)
        if owner is not None:
            existing = self.accounts.get(owner)
            if existing is not None and existing.email == email:
                return AccountCreated(customer_id=owner, email=email, linked_application_id=session.application_id)
            raise Conflict("This application already belongs to an account; sign in to it.")
        passwords.check(body.password, email=email)
        application = ApplicationRepository(self.table).get(session.application_id)
        applicant: dict[str, Any] = (application.input.get("applicant") if application else None) or {}
        customer_id = "cus_" + uuid.uuid4().hex
        if not self.accounts.claim_email(email, customer_id):
            raise Conflict("An account already uses this e-mail; sign in to it, or reset its password.")
        now = self.clock()
        stamp = timestamps.from_epoch(now)
        if not self.accounts.link_session(customer_id, session.token_hash, session.application_id, stamp):
            self.accounts.release_email(email)
            raise Conflict("This application already belongs to an account; sign in to it.")
        profile = Profile(
            email=email,
            first_name=applicant.get("first_name"),
            last_name=applicant.get("last_name"),
            company_name=applicant.get("company_name"),
            contact_name=applicant.get("contact_name"),
            phone=applicant.get("phone"),
            address=applicant.get("address"),
        )
        first = CustomerVersion(
            version=1,
            effective_at=stamp,
            made_by={"kind": "customer", "id": customer_id},
            change="created",
            changes={},
            profile=profile.model_dump(mode="json"),
        )
        account = Account(
            customer_id=customer_id,
            email=email,
            password_hash=passwords.hash_password(body.password),
            version=1,
            rev=1,
            login=LoginState(),
            created_at=stamp,
        )
        self.accounts.create(account, first)
        self._notify(
            email,
            "account_created",
            {"name": profile.first_name or profile.contact_name or "", "email": email},
            key=f"account-created:{customer_id}",
            customer_id=customer_id,
        )
        return AccountCreated(customer_id=customer_id, email=email, linked_application_id=session.application_id)

    # -- the customer record --------------------------------------------------------------------------------
    def _latest(self, customer_id: str) -> CustomerVersion:
        versions = self.accounts.versions(customer_id)
        if not versions:
            raise Unauthorized("This account no longer exists.")
        return versions[-1]

    def me(self, caller: Customer) -> MeView:
        customer_id = caller.customer_id
        account = self._account(customer_id)
        latest = self._latest(customer_id)
        return MeView(
            customer_id=customer_id,
            version=latest.version,
            profile=Profile.model_validate(latest.profile),
            created_at=account.created_at,
        )

    def patch_me(self, patch: MePatch, caller: Customer) -> MeView:
        customer_id = caller.customer_id
        account = self._account(customer_id)
        latest = self._latest(customer_id)
        wanted = patch.model_dump(mode="json", exclude_unset=True)
        if "email" in wanted and wanted["email"] is not None:
            wanted["email"] = normalized_email(wanted["email"])
        before = Profile.model_validate(latest.profile).model_dump(mode="json")
        after = dict(before)
        for name, value in wanted.items():
            if value is not None or name not in ("email", "notifications"):  # neither can be emptied
                after[name] = value
        changes = {k: {"from": before.get(k), "to": after[k]} for k in wanted if after[k] != before.get(k)}
        if not changes:
            return self.me(caller)
        profile = Profile.model_validate(after)
        if "email" in changes and not self.accounts.claim_email(profile.email, customer_id):
            raise Conflict("An account already uses this e-mail.")
        stamp = timestamps.from_epoch(self.clock())
        version = CustomerVersion(
            version=latest.version + 1,
            effective_at=stamp,
            made_by={"kind": "customer", "id": customer_id},
            change="updated",
            changes=changes,
            profile=profile.model_dump(mode="json"),
        )
        if not self.accounts.add_version(customer_id, version):
            if "email" in changes:
                self.accounts.release_email(profile.email)
            raise Conflict("The customer record changed meanwhile; read it again and retry.")
        if "email" in changes:
            for _ in range(5):
                try:
                    self.accounts.update(account, email=profile.email, version=version.version)
                    break
                except Conflict:
                    account = self._account(customer_id)
            self.accounts.release_email(before["email"])
        if "notifications" in changes or "email" in changes or "phone" in changes:
            self._apply_preferences(profile)
        if set(changes) & HOLDER_FIELDS:
            self._refresh_policy_tags(customer_id)
        return MeView(customer_id=customer_id, version=version.version, profile=profile, created_at=account.created_at)

    def _apply_preferences(self, profile: Profile) -> None:
        from insure.notifications.port import InvalidNotification, normalized_recipient
        from insure.notifications.repository import NotificationRepository

        records = NotificationRepository(self.table)
        wanted = profile.notifications
        records.set_preferences("email", profile.email, opted_out=not wanted.email, offers=wanted.offers)
        if profile.phone:
            try:
                phone = normalized_recipient("sms", profile.phone)
            except InvalidNotification:
                return
            records.set_preferences("sms", phone, opted_out=not wanted.sms, offers=wanted.offers)

    def _refresh_policy_tags(self, customer_id: str) -> None:
        """The customer's contact changed: the tags of their active policies name them as they are now (a scan or a
        report then reaches the new phone or e-mail). A failure is logged: the record's change stands, and the
        next change or amendment syncs the tags again."""
        from insure.applications.repository import ApplicationRepository
        from insure.policies.repository import PolicyRepository
        from insure.policies.service import status_on

        applications = ApplicationRepository(self.table)
        policies = PolicyRepository(self.table)
        day = timestamps.today()
        for application_id in self.accounts.applications_of(customer_id):
            record = applications.get(application_id, consistent=False)
            stored = policies.get(record.policy_number) if record and record.policy_number else None
            if stored is None or status_on(stored.current, day) != "active":
                continue
            try:
                self.item_tags.sync(stored.current, session_hash=stored.session_hash)
            except Exception:  # noqa: BLE001 - see the docstring
                from aws_lambda_powertools import Logger

                Logger(service="insurance-platform").exception(
                    "tag refresh failed", extra={"policy": stored.current.policy_number}
                )

    def history(self, caller: Customer) -> HistoryView:
        return self._history(caller.customer_id)

    def _history(self, customer_id: str) -> HistoryView:
        return HistoryView(
            customer_id=customer_id,
            versions=[CustomerVersionView.model_validate(v.__dict__) for v in self.accounts.versions(customer_id)],
            events=[CustomerEvent.model_validate(e) for e in self.accounts.events(customer_id)],
        )

    def policies(self, caller: Customer) -> MyPolicies:
        """Every policy of the customer: those of every session linked to the account."""
        from insure.applications.repository import ApplicationRepository
        from insure.policies.repository import PolicyRepository

        customer_id = caller.customer_id
        applications = ApplicationRepository(self.table)
        policies = PolicyRepository(self.table)
        base = self.public_base_url.rstrip("/")
        from insure.billing.pending import payment_failed, pending_renewal
        from insure.billing.repository import BillingRepository
        from insure.policies.service import status_on

        billing = BillingRepository(self.table)
        day = timestamps.today()
        found: list[PolicySummary] = []
        for application_id in self.accounts.applications_of(customer_id):
            record = applications.get(application_id, consistent=False)
            if record is None or not record.policy_number:
                continue
            stored = policies.get(record.policy_number)
            if stored is None:
                continue
            current = stored.current
            found.append(
                PolicySummary(
                    policy_number=current.policy_number,
                    status=status_on(current, day),  # as the policy itself reads it on this day
                    version=current.version,
                    product=current.product,
                    state=current.state,
                    insured=current.insured,
                    premium=current.premium,
                    effective_date=current.effective_date,
                    expiry_date=current.expiry_date,
                    application_id=application_id,
                    url=f"{base}/policies/{current.policy_number}",
                    document_url=f"{base}/policies/{current.policy_number}/document",
                    renewal=pending_renewal(billing.account(current.policy_number), current.term, base),
                    payment_failed=payment_failed(billing.installments(current.policy_number), current.term),
                )
            )
        return MyPolicies(policies=found)

    # -- back office ----------------------------------------------------------------------------------------
    def status(self, customer_id: str) -> AccountStatus:
        account = self.accounts.get(customer_id)
        if account is None:
            raise NotFound(f"No customer {customer_id}.")
        now = self.clock()
        return AccountStatus(
            customer_id=customer_id,
            email=account.email,
            failed_logins=account.login.failures,
            locked=account.login.locked(now),
            locked_until=timestamps.from_epoch(account.login.locked_until) if account.login.locked(now) else None,
            locks=account.login.locks,
        )

    def find(self, email: str) -> AccountStatus:
        customer_id = self.accounts.customer_of_email(normalized_email(email))
        if customer_id is None:
            raise NotFound("No customer uses this e-mail.")
        return self.status(customer_id)

    def unlock(self, customer_id: str, by: str = "back_office") -> AccountStatus:
        for _ in range(5):
            account = self.accounts.get(customer_id)
            if account is None:
                raise NotFound(f"No customer {customer_id}.")
            try:
                self.accounts.update(account, login=unlocked(account.login))
                break
            except Conflict:
                continue
        else:  # changed by sign-ins meanwhile, each time: still locked, and said so
            raise Conflict("The account changed while it was being unlocked; try again.")
        self.accounts.add_event(customer_id, timestamps.from_epoch(self.clock()), {"event": "unlocked", "by": by})
        return self.status(customer_id)

    def customer_history(self, customer_id: str) -> HistoryView:
        if self.accounts.get(customer_id) is None:
            raise NotFound(f"No customer {customer_id}.")
        return self._history(customer_id)
