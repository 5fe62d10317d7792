"""Telling the policyholder that their policy was issued, amended or cancelled.

Each version that issues, amends or cancels a policy is told once per channel: an e-mail (with the document's
address) and, when the holder gave a phone number, a text message (`policy_issued`, `policy_amended`,
`policy_cancelled` in `data/notifications/templates.json`). The key names the policy, the version and the
channel, so a retried workflow task or a repeated request cannot tell the holder twice; the sender honours a
holder who opted out of a channel. The caller's function needs `declaration.NOTIFY`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from insure.errors import TransientError
from insure.notifications.port import Channel
from insure.policies.holder import Holder
from insure.policies.models import PolicyVersion

log = Logger(child=True)

TEMPLATES = {"issued": "policy_issued", "amended": "policy_amended", "cancelled": "policy_cancelled"}


def _money(amount: Any) -> str:
    return f"{amount.currency} {amount.amount}" if amount is not None else "none"


def message_data(version: PolicyVersion, holder: Holder, base_url: str) -> dict[str, str]:
    """What the version's template is filled with."""
    base = base_url.rstrip("/")
    number = version.policy_number
    data = {
        "name": holder.greeting,
        "policy_number": number,
        "effective_date": version.in_force_from,
        "version": str(version.version),
        "document_url": f"{base}/policies/{number}/versions/{version.version}/document"
        if version.version > 1
        else f"{base}/policies/{number}/document",
    }
    if version.cancellation is not None:
        data["effective_date"] = version.cancellation.effective_date
        data["refund"] = _money(version.cancellation.refund)
    return data


def tell_holder(
    version: PolicyVersion,
    holder: Holder,
    *,
    base_url: str | None = None,
    notify: Callable[..., str] | None = None,
) -> list[str]:
    """Queues the version's message to the holder on each channel they can be reached on; the notification ids.
    A contact the channel cannot use (a malformed phone number kept from an application) is skipped and logged;
    a queue that cannot be reached raises `TransientError` (the workflow task is retried by name, the key keeps
    it to one message)."""
    from insure.notifications import InvalidNotification
    from insure.notifications import notify as queue

    template = TEMPLATES.get(version.change)
    if template is None:
        return []
    if base_url is None:
        from insure.settings import get_settings

        base_url = get_settings().public_base_url
    data = message_data(version, holder, base_url)
    sent: list[str] = []
    channels: tuple[tuple[Channel, str | None], ...] = (("email", holder.email), ("sms", holder.phone))
    for channel, recipient in channels:
        if not recipient:
            continue
        try:
            sent.append(
                (notify or queue)(
                    recipient,
                    channel,
                    template,
                    data,
                    key=f"{template}:{version.policy_number}:v{version.version}:{channel}",
                    customer_id=holder.customer_id,
                )
            )
        except InvalidNotification as error:
            log.warning(
                "policy holder not reachable on this channel",
                extra={"policy": version.policy_number, "channel": channel, "error": str(error)},
            )
        except Exception as error:  # the queue: the workflow's Retry matches TransientError by name
            raise TransientError(f"policy notice not queued: {type(error).__name__}") from error
    return sent


def tell_holder_of(version: PolicyVersion, *, session_hash: str | None = None, applicant: Any = None) -> list[str]:
    """`tell_holder` with the holder as the platform knows them now (`insure.policies.holder.holder_of`)."""
    from insure.policies.holder import holder_of

    holder = holder_of(
        version.policy_number,
        version.application_id,
        version.insured,
        session_hash=session_hash,
        applicant=applicant if isinstance(applicant, dict) else None,
    )
    return tell_holder(version, holder)
