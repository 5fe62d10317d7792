"""Passwords as NIST SP 800-63B puts them, and their hashes.

Rules: at least `MIN_LENGTH` characters (Unicode code points after NFKC normalization), at most `MAX_LENGTH`; not
a known common or breached-looking value (`data/passwords/blocklist.txt`, also after undoing common substitutions
and trailing digits), not repetitive or sequential characters, not built from the account's own e-mail or the
service's name, no control characters or direction overrides (422 when choosing one; signing in with one is
only a wrong password, 401). No composition rules (no required digits or symbols), no hints, no secret questions.

Hashes: argon2id through argon2-cffi with OWASP's first recommended parameters (19 MiB, 2 iterations, 1 lane),
so a login costs one hash of tens of milliseconds on a Lambda. `verify` of an unknown account checks against a
dummy hash of the same cost, so it takes the same time as a wrong password."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache
from typing import Any

from insure.errors import FieldError
from insure.types import UNSAFE_IN_TEXT

MIN_LENGTH = 8
MAX_LENGTH = 128
TIME_COST, MEMORY_COST_KIB, PARALLELISM = 2, 19 * 1024, 1
SUBSTITUTIONS = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")
CONTEXT_WORDS = ("insurance", "insure", "platform")


def normalized(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@cache
def blocklist() -> frozenset[str]:
    from insure.data_files import data_dir

    lines = (data_dir("passwords") / "blocklist.txt").read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _variants(text: str) -> set[str]:
    lowered = text.lower()
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    variants = {lowered, stripped, lowered.translate(SUBSTITUTIONS), stripped.translate(SUBSTITUTIONS)}
    variants.add(re.sub(r"[\d\W_]+$", "", lowered.translate(SUBSTITUTIONS)))
    return {v for v in variants if v}


def _repetitive_or_sequential(text: str) -> bool:
    lowered = text.lower()
    if len(set(lowered)) <= 2:
        return True
    for sequence in SEQUENCES:
        for run in (sequence, sequence[::-1]):
            if lowered in run or lowered in run * 2:
                return True
    return any(lowered == lowered[:n] * (len(lowered) // n) for n in range(1, len(lowered) // 2 + 1))


_UNTYPABLE = re.compile(f"[{UNSAFE_IN_TEXT}]")
"""What a keyboard does not type: a password holding it was not chosen by a person (and breaks systems that end
strings at NUL)."""


def problems(password: str, *, email: str | None = None) -> list[str]:
    """Why `password` may not be used (empty when it may)."""
    text = normalized(password)
    if len(text) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters; a few unrelated words make a long password easy to remember."]
    if len(text) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    if _UNTYPABLE.search(text):
        return ["Use characters you can type: no control characters (such as NUL or Escape) or direction overrides."]
    variants = _variants(text)
    if variants & blocklist():
        return ["This password is too common or appears in lists of breached passwords; choose another."]
    if _repetitive_or_sequential(text):
        return ["Repeated or sequential characters are easy to guess; choose another password."]
    context = set(CONTEXT_WORDS)
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 4:
            context.add(local)
    if any(variant in context or (len(variant) < 12 and variant.startswith(tuple(context))) for variant in variants):
        return ["Do not build the password from your e-mail address or the name of this service."]
    return []


def check(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Raise `RuleViolation` with a field error when `password` breaks a rule."""
    from insure.errors import RuleViolation

    found = problems(password, email=email)
    if found:
        raise RuleViolation(found[0], errors=[FieldError(field, found[0])])


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


@cache
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_urlsafe(16)))


def hash_password(password: str) -> str:
    return str(_hasher().hash(normalized(password)))


def verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; with no hash (an unknown account) a dummy hash of the same cost
    is checked, so both answers take the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        matched = bool(_hasher().verify(stored_hash or _dummy_hash(), normalized(password)))
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """The hash was made with other parameters than today's (re-hashed at the next successful login)."""
    return bool(_hasher().check_needs_rehash(stored_hash))


def describe_cost() -> str:
    return f"argon2id m={MEMORY_COST_KIB} KiB, t={TIME_COST}, p={PARALLELISM}"
