"""Signed requests, Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`, `webhook-signature`), on the
`standardwebhooks` library: verification of what scanners, partners and insurers send us, signing of what we
send to insurers, and the `whsec_` secrets themselves."""

from __future__ import annotations

import base64
import secrets as _secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from insure.errors import DomainError, Unauthorized
from insure.headers import case_insensitive

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
SECRET_BYTES = 32
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
MISSING = "Signed request required: webhook-id, webhook-timestamp and webhook-signature headers."


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes; the HMAC key is the decoded bytes."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def verify_request(
    headers: Mapping[str, str] | None,
    body: bytes | str,
    *,
    sender: str,
    secrets: Callable[[], Iterable[str] | None],
    unknown: Callable[[], DomainError],
) -> str:
    """The one check of a signed request (tag scans, insurer webhooks, the claims desk's connector calls), in this
    order: the three Standard Webhooks headers, before anything is looked up (401); the signer's current secrets
    (`secrets()`: the request names its signer, in its path or its body, and `secrets` may refuse a request that
    names none), `unknown()` raised when it has none; then the signature (401). A missing header or a bad
    signature counts as a rejected signature of `sender`. Returns the `webhook-id`."""
    found = case_insensitive(headers)
    if not all(found.get(h) for h in SIGNATURE_HEADERS):
        _count_rejected(sender)
        raise Unauthorized(MISSING)
    current = secrets()
    if not current:
        raise unknown()
    return verify(current, found, body, sender=sender)


def _count_rejected(sender: str) -> None:
    from insure import metrics

    metrics.count(metrics.SIGNATURES_REJECTED, sender=sender)


def verify(
    secrets: str | Iterable[str], headers: Mapping[str, str] | None, body: bytes | str, *, sender: str = "unknown"
) -> str:
    """Check the signature against each current secret (several during rotation; the sender may also send several
    signatures, space-separated). Returns the `webhook-id`. Missing, stale (±5 min) or forged: `Unauthorized`,
    counted as a rejected signature of `sender` (`scanner`, `insurer`)."""
    try:
        return _verify(secrets, headers, body)
    except Unauthorized:
        _count_rejected(sender)
        raise


def _verify(secrets: str | Iterable[str], headers: Mapping[str, str] | None, body: bytes | str) -> str:
    from standardwebhooks.webhooks import Webhook

    lowered = {k.lower(): v for k, v in case_insensitive(headers).items()}  # the library reads lowercase names
    message_id = lowered.get("webhook-id")
    if not (message_id and lowered.get("webhook-timestamp") and lowered.get("webhook-signature")):
        raise Unauthorized(MISSING)
    candidates = [secrets] if isinstance(secrets, str) else list(secrets)
    last_reason = "No matching signature."
    for secret in candidates:
        try:
            Webhook(secret).verify(body, lowered, json_parse=False)
            return message_id
        except Exception as error:  # noqa: BLE001 - library raises several types for malformed headers
            last_reason = str(error) or type(error).__name__
    raise Unauthorized(f"Invalid signature: {last_reason}")


def sign(
    secret: str, body: bytes | str, *, message_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    """Headers that sign `body` with `secret`."""
    from standardwebhooks.webhooks import Webhook

    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    timestamp = at or datetime.now(tz=UTC)
    data = body if isinstance(body, str) else body.decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, data),
    }
