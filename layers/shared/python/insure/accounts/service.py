"""Accounts as the API drives them: create (from a session), sign in, refresh, sign out, reset the password, read
and change the customer record (each change a new version), list the customer's policies; the back office unlocks
and reads the history. Time comes from an injected clock, so tests move it instead of sleeping."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from insure import timestamps
from insure.accounts import passwords
from insure.accounts.access import ACCESS_PREFIX, REFRESH_PREFIX, token_hash
from insure.accounts.lockout import LoginState, after_failure, after_success, unlocked
from insure.accounts.models import (
    AccountCreated,
    AccountRequest,
    AccountStatus,
    CustomerEvent,
    CustomerVersionView,
    HistoryView,
    LoginRequest,
    LogoutRequest,
    MePatch,
    MeView,
    MyPolicies,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    PolicySummary,
    Profile,
    RefreshRequest,
    Tokens,
)
from insure.accounts.repository import Account, AccountRepository, CustomerVersion, ResetCode, Token
from insure.callers import Caller, Customer, SessionCaller
from insure.errors import Conflict, Locked, NotFound, Throttled, Unauthorized

WRONG_CREDENTIALS = "The e-mail or password is not right."
BAD_CODE = "The code is not valid or has expired; ask for a new one."
RESEND_AFTER_S = 60
HOLDER_FIELDS = frozenset({"email", "phone", "first_name", "last_name", "company_name", "contact_name", "address"})
"""The customer record's fields that the tags of their policies carry (`insure.policies.holder`)."""


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalized_email(email: str) -> str:
    return email.strip().lower()


@dataclass
class AccountService:
    accounts: AccountRepository
    table: str
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

    def _account(self, customer_id: str) -> Account:
        account = self.accounts.get(customer_id)
        if account is None:
            raise Unauthorized("This account no longer exists.")
        return account

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
        stamp = _iso(now)
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

    def link_application(self, customer_id: str, session_hash: str, application_id: str) -> None:
        """An application opened with the customer's access token is theirs from the start."""
        self.accounts.link_session(customer_id, session_hash, application_id, _iso(self.clock()))

    # -- signing in -----------------------------------------------------------------------------------------
    def login(self, body: LoginRequest, source: str) -> Tokens:
        now = self.clock()
        window = int(now // self.source_window_s)
        if self.accounts.source_failures(source, window) >= self.source_max_failures:
            retry = max(1, int((window + 1) * self.source_window_s - now))
            raise Throttled(
                "Too many failed sign-ins from this address; try again later.", headers={"Retry-After": str(retry)}
            )
        email = normalized_email(body.email)
        customer_id = self.accounts.customer_of_email(email)
        account = self.accounts.get(customer_id) if customer_id else None
        # An unknown e-mail is counted and locked like an account, so neither the answer nor its timing tells.
        state = account.login if account else self.accounts.unknown_login_state(_email_key(email))[0]
        if state.locked(now):
            raise _locked(state, now)
        matched = passwords.verify(account.password_hash if account else None, body.password)
        if matched and account is not None:
            if state != after_success(state) or passwords.needs_rehash(account.password_hash):
                changes: dict[str, Any] = {"login": after_success(state)}
                if passwords.needs_rehash(account.password_hash):
                    changes["password_hash"] = passwords.hash_password(body.password)
                self.accounts.update(account, **changes)
            return self._issue(account.customer_id, new_login=True)
        self.accounts.count_source_failure(source, window, int((window + 2) * self.source_window_s))
        after = self._record_failure(email, account, now)
        if after.locked(now):
            raise _locked(after, now)
        raise Unauthorized(WRONG_CREDENTIALS)

    def _record_failure(self, email: str, account: Account | None, now: float) -> LoginState:
        """Count a failure on the customer record (or the unknown e-mail's), retrying a concurrent change."""
        for _ in range(5):
            try:
                if account is None:
                    state, rev = self.accounts.unknown_login_state(_email_key(email))
                    after = self._after_failure(state, now)
                    expires = int(now + self.lock_s + 24 * 3600)
                    self.accounts.put_unknown_login_state(_email_key(email), after, rev, expires)
                    return after
                after = self._after_failure(account.login, now)
                self.accounts.update(account, login=after)
                if after.locks > account.login.locks:
                    self.accounts.add_event(
                        account.customer_id,
                        _iso(now),
                        {"event": "locked", "failures": after.failures, "until": _iso(after.locked_until)},
                    )
                return after
            except Conflict:
                if account is not None:
                    account = self._account(account.customer_id)
        raise Conflict("Too many sign-ins at once; try again.")

    def _after_failure(self, state: LoginState, now: float) -> LoginState:
        return after_failure(state, now, max_failures=self.max_failures, lock_seconds=self.lock_s)

    def _issue(self, customer_id: str, *, family: str | None = None, new_login: bool = False) -> Tokens:
        now = self.clock()
        family = family or secrets.token_hex(16)
        if new_login:
            self.accounts.start_login(customer_id, family, _iso(now))
        access = ACCESS_PREFIX + secrets.token_urlsafe(32)
        refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
        self.accounts.put_token("ACCESS", token_hash(access), Token(customer_id, family, int(now + self.access_ttl_s)))
        self.accounts.put_token(
            "REFRESH", token_hash(refresh), Token(customer_id, family, int(now + self.refresh_ttl_s))
        )
        return Tokens(
            access_token=access,
            expires_in=self.access_ttl_s,
            refresh_token=refresh,
            refresh_expires_in=self.refresh_ttl_s,
            customer_id=customer_id,
        )

    def refresh(self, body: RefreshRequest) -> Tokens:
        """New tokens for a refresh token, which is then spent; a spent one replayed ends its login."""
        hashed = token_hash(body.refresh_token)
        found = self.accounts.token("REFRESH", hashed)
        if found is None or found.expires_at_epoch <= self.clock():
            raise Unauthorized("The refresh token is not valid or has expired; sign in again.")
        if not self.accounts.login_live(found.customer_id, found.family):
            raise Unauthorized("This login has ended; sign in again.")
        if found.used or not self.accounts.use_token("REFRESH", hashed):
            self.accounts.revoke_login(found.customer_id, found.family)
            raise Unauthorized("This refresh token was already used; the login has ended for safety. Sign in again.")
        return self._issue(found.customer_id, family=found.family)

    def logout(self, body: LogoutRequest | None, caller: Caller) -> None:
        """End the login of the refresh token sent, or of the request's access token."""
        ended = False
        if body is not None and body.refresh_token:
            found = self.accounts.token("REFRESH", token_hash(body.refresh_token))
            if found is not None:
                self.accounts.revoke_login(found.customer_id, found.family)
                self.accounts.delete_token("REFRESH", token_hash(body.refresh_token))
                ended = True
        if isinstance(caller, Customer) and caller.token_hash:
            found = self.accounts.token("ACCESS", caller.token_hash)
            if found is not None:
                self.accounts.revoke_login(found.customer_id, found.family)
                self.accounts.delete_token("ACCESS", caller.token_hash)
                ended = True
        if not ended:
            raise Unauthorized(
                "Send the access token (Authorization: Bearer) or the refresh token of the login to end."
            )

    # -- password reset -------------------------------------------------------------------------------------
    def request_reset(self, body: PasswordResetRequest) -> PasswordResetAccepted:
        """Send a one-time code to the account's e-mail; the same answer whether or not the account exists."""
        email = normalized_email(body.email)
        customer_id = self.accounts.customer_of_email(email)
        now = self.clock()
        if customer_id is None:
            passwords.hash_password(secrets.token_hex(4))  # the same work as issuing a code
            return PasswordResetAccepted()
        current = self.accounts.reset_code(customer_id)
        if current is not None and now - current.issued_at_epoch < RESEND_AFTER_S and current.expires_at_epoch > now:
            return PasswordResetAccepted()  # one code a minute at most: the one just sent still works
        code = f"{secrets.randbelow(10**6):06d}"
        self.accounts.put_reset_code(
            customer_id,
            ResetCode(passwords.hash_password(code), int(now + self.reset_ttl_s), 0, int(now)),
        )
        self.accounts.add_event(customer_id, _iso(now), {"event": "password_reset_requested"})
        self._notify(
            email,
            "password_reset",
            {"code": code, "minutes": str(self.reset_ttl_s // 60)},
            key=f"password-reset:{customer_id}:{int(now)}",
            customer_id=customer_id,
        )
        return PasswordResetAccepted()

    def confirm_reset(self, body: PasswordResetConfirm) -> None:
        """Set a new password with the code: single use, short-lived, a few attempts; the lock is lifted and every
        login ended."""
        email = normalized_email(body.email)
        passwords.check(body.new_password, email=email, field="new_password")
        customer_id = self.accounts.customer_of_email(email)
        code = self.accounts.reset_code(customer_id) if customer_id else None
        now = self.clock()
        if customer_id is None or code is None or code.expires_at_epoch <= now:
            passwords.verify(None, body.code)
            raise Unauthorized(BAD_CODE)
        attempts = self.accounts.count_reset_attempt(customer_id, code.code_hash)
        if attempts is None or attempts > self.reset_max_attempts:
            self.accounts.consume_reset_code(customer_id, code.code_hash)
            raise Unauthorized(BAD_CODE)
        if not passwords.verify(code.code_hash, body.code):
            if attempts >= self.reset_max_attempts:
                self.accounts.consume_reset_code(customer_id, code.code_hash)
            raise Unauthorized(BAD_CODE)
        if not self.accounts.consume_reset_code(customer_id, code.code_hash):
            raise Unauthorized(BAD_CODE)
        for _ in range(5):
            account = self._account(customer_id)
            try:
                self.accounts.update(
                    account, password_hash=passwords.hash_password(body.new_password), login=unlocked(account.login)
                )
                break
            except Conflict:
                continue
        self.accounts.revoke_all_logins(customer_id)
        self.accounts.add_event(customer_id, _iso(now), {"event": "password_changed", "by": "reset_code"})
        self._notify(
            email, "password_changed", {"changed_at": _iso(now)}, key=f"password-changed:{customer_id}:{int(now)}"
        )

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
        stamp = _iso(self.clock())
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
        from insure.risk.policy_tags import sync_tags

        applications = ApplicationRepository(self.table)
        policies = PolicyRepository(self.table)
        for application_id in self.accounts.applications_of(customer_id):
            record = applications.get(application_id, consistent=False)
            stored = policies.get(record.policy_number) if record and record.policy_number else None
            if stored is None or stored.current.status != "active":
                continue
            try:
                sync_tags(stored.current, session_hash=stored.session_hash)
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

        billing = BillingRepository(self.table)
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
                    status=current.status,
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
            locked_until=_iso(account.login.locked_until) if account.login.locked(now) else None,
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
        self.accounts.add_event(customer_id, _iso(self.clock()), {"event": "unlocked", "by": by})
        return self.status(customer_id)

    def customer_history(self, customer_id: str) -> HistoryView:
        if self.accounts.get(customer_id) is None:
            raise NotFound(f"No customer {customer_id}.")
        return self._history(customer_id)

    def _notify(self, email: str, template: str, data: dict[str, str], **options: Any) -> None:
        from insure.notifications import notify

        (self.notify or notify)(email, "email", template, data, **options)


def _email_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _locked(state: LoginState, now: float) -> Locked:
    retry = state.retry_after(now)
    return Locked(
        f"Too many failed sign-ins: the account is locked for {retry} more seconds. Reset the password to sign in now.",
        headers={"Retry-After": str(retry)},
    )
