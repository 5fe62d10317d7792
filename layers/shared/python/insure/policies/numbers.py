"""Policy numbers: derived from the application and its submission, so a retried issuance gets the same one."""

from __future__ import annotations

import base64
import hashlib

PREFIX = "POL"


def policy_number(application_id: str, submission: int) -> str:
    digest = hashlib.sha256(f"{application_id}:{submission}".encode()).digest()
    return f"{PREFIX}-" + base64.b32encode(digest).decode()[:12]
