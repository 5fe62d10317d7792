"""Signing in and out, tokens and password resets: the part of the account service (`AccountService` derives from
`Credentials`) that proves who a customer is. Failures are counted per account (locked after `max_failures` for
`lock_s`), per unknown e-mail (so the answer tells nothing) and per source address; a refresh token is spent once and
a replayed one ends its login; a reset code is single use, short-lived and limited to a few attempts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from insure import timestamps
from insure.accounts import passwords
from insure.accounts.access import ACCESS_PREFIX, REFRESH_PREFIX, token_hash
from insure.accounts.credential_repository import ResetCode, Token
from insure.accounts.lockout import LoginState, after_failure, after_success, unlocked
from insure.accounts.models import (
    LoginRequest,
    LogoutRequest,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    Tokens,
)
from insure.accounts.repository import Account, AccountRepository
from insure.callers import Caller, Customer
from insure.errors import Conflict, Locked, Throttled, Unauthorized

WRONG_CREDENTIALS = "The e-mail or password is not right."
BAD_CODE = "The code is not valid or has expired; ask for a new one."
RESEND_AFTER_S = 60


def normalized_email(email: str) -> str:
    return email.strip().lower()


class Credentials:
    """The sign-in half of `AccountService`, over the fields the service declares."""

    accounts: AccountRepository
    access_ttl_s: int
    refresh_ttl_s: int
    max_failures: int
    lock_s: int
    source_max_failures: int
    source_window_s: int
    reset_ttl_s: int
    reset_max_attempts: int
    clock: Callable[[], float]
    notify: Callable[..., str] | None

    def _account(self, customer_id: str) -> Account:
        account = self.accounts.get(customer_id)
        if account is None:
            raise Unauthorized("This account no longer exists.")
        return account

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
                        timestamps.from_epoch(now),
                        {
                            "event": "locked",
                            "failures": after.failures,
                            "until": timestamps.from_epoch(after.locked_until),
                        },
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
            self.accounts.start_login(customer_id, family, timestamps.from_epoch(now))
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
        self.accounts.add_event(customer_id, timestamps.from_epoch(now), {"event": "password_reset_requested"})
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
        password_hash = passwords.hash_password(body.new_password)
        for _ in range(5):
            account = self._account(customer_id)
            try:
                self.accounts.update(account, password_hash=password_hash, login=unlocked(account.login))
                break
            except Conflict:
                continue
        else:  # changed by sign-ins meanwhile, each time: nothing changed, and the code is good again
            self.accounts.put_reset_code(customer_id, code)
            raise Conflict("The account changed while its password was being set; send the code again.")
        self.accounts.revoke_all_logins(customer_id)
        self.accounts.add_event(
            customer_id, timestamps.from_epoch(now), {"event": "password_changed", "by": "reset_code"}
        )
        self._notify(
            email,
            "password_changed",
            {"changed_at": timestamps.in_words(now)},
            key=f"password-changed:{customer_id}:{int(now)}",
        )

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
