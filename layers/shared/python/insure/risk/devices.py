"""Tag scanners (devices) and the secrets their scans are signed with.

Where the secrets live: on the device's item in the single table (`pk = DEVICE#<device_id>`, `sk = DEVICE`),
not one Secrets Manager secret per device. Every scan must be verified, so the secret sits on the hot path: a
strongly consistent GetItem costs a few milliseconds and scales with the table, whereas Secrets Manager would add
a call of tens of milliseconds (or a cache that delays revocation), a request quota shared by the account and a
monthly price per secret for thousands of scanners. The table is encrypted at rest (KMS), only functions granted
table reads can see it, and no API response or log line ever carries a secret after the one at registration.
Rotation keeps a short list (newest first): scans signed with the previous secret verify until the next rotation.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from insure import timestamps
from insure.errors import Conflict, NotFound, Unauthorized
from insure.storage import replace_if_version

if TYPE_CHECKING:
    from insure.risk.ports import Idempotency

SECRETS_KEPT = 2


class Device(BaseModel):
    """A registered scanner (domain model; holds its secrets, so never returned by the API as is)."""

    model_config = ConfigDict(frozen=True)

    device_id: str
    name: str | None = None
    secrets: tuple[str, ...] = Field(repr=False)
    created_at: str
    rotated_at: str | None = None


def _now() -> str:
    return timestamps.now()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DeviceRepository:
    """Devices in the single table (the DynamoDB client is injected)."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(device_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"DEVICE#{device_id}"}, "sk": {"S": "DEVICE"}}

    def get(self, device_id: str) -> tuple[Device, int] | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(device_id), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Device.model_validate_json(item["data"]["S"]), int(item["version"]["N"])

    def put_new(self, device: Device) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                **self._key(device.device_id),
                "entity": {"S": "device"},
                "version": {"N": "1"},
                "data": {"S": device.model_dump_json()},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def replace(self, device: Device, version: int) -> bool:
        return replace_if_version(
            self._db,
            self._table,
            self._key(device.device_id),
            entity="device",
            data_json=device.model_dump_json(),
            version=version,
        )


class Devices:
    """Scanners: registration, secret rotation and the secrets a scan may be signed with."""

    def __init__(self, repository: DeviceRepository, idempotency: Idempotency) -> None:
        self.repository, self._idempotency = repository, idempotency

    def register(self, name: str | None = None, *, idempotency_key: str | None = None) -> Device:
        """A new scanner with a fresh `whsec_` secret (the caller shows it once). With an `idempotency_key`, a
        repeat returns the scanner the first registered."""
        from insure.signatures import new_secret

        def effect() -> dict[str, Any]:
            device = Device(
                device_id=f"dev_{uuid.uuid4().hex[:20]}", name=name, secrets=(new_secret(),), created_at=_now()
            )
            self.repository.put_new(device)
            return {"device_id": device.device_id}

        registered = self._idempotency.once_per_key("devices", idempotency_key, {"name": name}, effect)
        found = self.repository.get(str(registered["device_id"]))
        if found is None:
            raise NotFound("The scanner this Idempotency-Key registered no longer exists; use a new key.")
        return found[0]

    def rotate_secret(self, device_id: str, *, idempotency_key: str | None = None) -> str:
        """A new secret for the device (returned, for the caller to show once); the previous one keeps verifying
        until the next rotation. With an `idempotency_key`, a repeat rotates nothing and returns the secret the
        first made: the idempotency record keeps only its SHA-256, never the secret (409 once a later rotation has
        replaced it)."""
        if self.repository.get(device_id) is None:
            raise NotFound(f"No device {device_id}.")
        made: list[str] = []

        def effect() -> dict[str, Any]:
            made.append(self._rotate(device_id))
            return {"secret_sha256": _digest(made[0])}

        rotated = self._idempotency.once_per_key("device-secrets", idempotency_key, {"device_id": device_id}, effect)
        if made:
            return made[0]
        found = self.repository.get(device_id)
        secret = next((s for s in found[0].secrets if _digest(s) == rotated["secret_sha256"]), None) if found else None
        if secret is None:
            raise Conflict("The secret this Idempotency-Key made has been replaced since; use a new key to rotate.")
        return secret

    def _rotate(self, device_id: str) -> str:
        from insure.signatures import new_secret

        for _ in range(5):
            found = self.repository.get(device_id)
            if found is None:
                raise NotFound(f"No device {device_id}.")
            device, version = found
            secret = new_secret()
            rotated = device.model_copy(
                update={"secrets": (secret, *device.secrets)[:SECRETS_KEPT], "rotated_at": _now()}
            )
            if self.repository.replace(rotated, version):
                return secret
        raise Conflict("The device changed concurrently; retry.")

    def verify_scan(self, headers: Mapping[str, str] | None, body: str) -> str:
        """The `webhook-id` of a scan signed with the secret of the device its body names
        (`insure.signatures.verify_request`): the signature headers first, then a body naming a registered device,
        then the signature; 401 otherwise, before the body is validated."""
        from insure.signatures import verify_request

        def named_device() -> tuple[str, ...] | None:
            try:
                named = json.loads(body).get("device_id")
            except (ValueError, AttributeError, RecursionError):
                named = None
            if not isinstance(named, str) or not named:
                raise Unauthorized("A scan is a JSON object naming its device_id, signed with that device's secret.")
            return self.secrets(named)

        return verify_request(
            headers,
            body,
            sender="scanner",
            secrets=named_device,
            unknown=lambda: Unauthorized(
                "Unknown device: a scan must name a registered device_id and be signed with its secret."
            ),
        )

    def secrets(self, device_id: str) -> tuple[str, ...] | None:
        """The secrets a scan from `device_id` may be signed with, or None for an unknown device."""
        found = self.repository.get(device_id)
        return found[0].secrets if found else None
