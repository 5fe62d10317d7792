"""Accounts, pure parts: NIST SP 800-63B password rules, argon2id hashing, and lockout arithmetic on an injected
clock (no sleeping)."""

from __future__ import annotations

import pytest

from insure.accounts import passwords
from insure.accounts.lockout import LOCK_SECONDS, MAX_FAILURES, LoginState, after_failure, after_success, unlocked
from insure.errors import RuleViolation


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Tr0ub4dor&3xyz",
        "mañana en Sevilla",  # any character is allowed: no composition rules, Unicode welcome
        "lowercaseonlybutlong",
        "a8#kP0q!",  # exactly 8
    ],
)
def test_long_enough_uncommon_passwords_are_accepted_without_composition_rules(password):
    assert passwords.problems(password, email="ada@example.com") == []


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short7!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password", "too common"),
        ("Password123!", "too common"),  # a blocklisted word with digits and a symbol appended
        ("P@ssw0rd", "too common"),  # substitutions undone
        ("iloveyou2024", "too common"),
        ("12345678", "too common"),
        ("aaaaaaaaaa", "Repeated or sequential"),
        ("abcdefghij", "Repeated or sequential"),
        ("9876543210", "Repeated or sequential"),
        ("abababababab", "Repeated or sequential"),
        ("adalovelace1", "e-mail address or the name"),
        ("insurance2026!", "too common"),
        ("zebra\x00harbour lamp", "control characters"),  # NUL was accepted (and hashed) before
        ("zebra\x1b[31mharbour", "control characters"),
        ("zebra harbour\u202elamp", "control characters"),
    ],
)
def test_short_common_breached_looking_repetitive_or_contextual_passwords_are_refused(password, why):
    found = passwords.problems(password, email="adalovelace@example.com")
    assert found and why in found[0]


def test_check_names_the_field_for_the_person_to_correct():
    with pytest.raises(RuleViolation) as raised:
        passwords.check("password1", field="new_password")
    assert [e.field for e in raised.value.errors] == ["new_password"]


def test_hashes_are_argon2id_salted_and_verify_only_the_right_password():
    first = passwords.hash_password("correct horse battery staple")
    second = passwords.hash_password("correct horse battery staple")
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second  # salted
    assert passwords.verify(first, "correct horse battery staple")
    assert not passwords.verify(first, "correct horse battery stapler")
    assert not passwords.needs_rehash(first)


def test_an_unknown_account_is_checked_against_a_dummy_hash_and_never_matches():
    # No hash (no account): the verification still runs (same cost) and is False whatever the password
    assert passwords.verify(None, "anything at all") is False
    assert passwords.verify("not-a-hash", "anything at all") is False


def test_old_parameters_are_rehashed_at_the_next_login():
    from argon2 import PasswordHasher

    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct horse battery staple")
    assert passwords.verify(weaker, "correct horse battery staple")
    assert passwords.needs_rehash(weaker)


def test_five_failures_in_a_row_lock_for_fifteen_minutes():
    clock, state = 1_000.0, LoginState()
    # Given four failures a minute apart: counted, not locked
    for _ in range(MAX_FAILURES - 1):
        state = after_failure(state, clock)
        clock += 60
        assert not state.locked(clock)
    assert state.failures == 4
    # When the fifth fails
    state = after_failure(state, clock)
    # Then the account is locked for exactly fifteen minutes from that failure, and the lock is counted
    assert LOCK_SECONDS == 15 * 60
    assert state.locked(clock) and state.locked(clock + LOCK_SECONDS - 1)
    assert state.retry_after(clock) == 900 and state.retry_after(clock + 899.5) == 1
    assert not state.locked(clock + LOCK_SECONDS)
    assert state.locks == 1


def test_attempts_while_locked_do_not_extend_the_lock():
    state = LoginState()
    for second in range(5):
        state = after_failure(state, float(second))
    locked_until = state.locked_until
    state = after_failure(state, 100.0)
    assert state.locked_until == locked_until and state.locks == 1


def test_a_success_resets_the_series_and_a_failure_after_expiry_starts_a_new_one():
    state = LoginState()
    for second in range(4):
        state = after_failure(state, float(second))
    assert after_success(state) == LoginState()  # four failures then a success: nothing counted
    for second in range(5):
        state = after_failure(LoginState() if second == 0 else state, float(second))
    expired_at = state.locked_until + 1
    again = after_failure(state, expired_at)
    assert (again.failures, again.locked(expired_at), again.locks) == (1, False, 1)


def test_unlock_clears_the_lock_and_the_count_but_keeps_the_number_of_locks():
    state = LoginState(failures=5, locked_until=2_000.0, last_failure_at=1_100.0, locks=3)
    assert unlocked(state) == LoginState(locks=3)
    assert not unlocked(state).locked(1_500.0)
