"""What the local gateway undoes when a creation's answer reaches no one: its client gave up while the function
ran, so nobody holds the id or the token of what it created. Only what is safe to undo is: a draft application
opened anonymously and without an `Idempotency-Key` (one with a key is the client's to fetch again with the same
key; one opened signed in is listed on the customer's account). Everything else stays as it was done."""

from __future__ import annotations

import json
from typing import Any

import declaration


def undo(method: str, resource: str, event: dict[str, Any], result: dict[str, Any]) -> bool:
    """Undo what the unanswered request (`event`, answered with `result`) created, if it is safe to; whether it
    was undone."""
    if (method, resource) != ("POST", "/applications") or result.get("statusCode") != 201:
        return False
    sent = {name.lower() for name in event.get("headers") or {}}
    if sent & {"authorization", "idempotency-key"}:
        return False
    from insure.applications.repository import ApplicationRepository

    application_id = json.loads(result.get("body") or "{}").get("application_id")
    return bool(application_id) and ApplicationRepository(declaration.TABLE).discard_untouched_draft(application_id)
