"""The one signed-request verifier (`insure.signatures.verify_request`) as tag scans, insurer webhooks and the claims
desk's connector calls use it: headers read case-insensitively, the signature headers checked before the signer is
looked up, an unknown signer refused as its caller says, a bad signature 401."""

from __future__ import annotations

import json
from typing import Any

import pytest

from insure.errors import NotFound, Unauthorized
from insure.risk.devices import Device, Devices
from insure.risk.progress import ProgressService
from insure.risk.webhooks import InsurerWebhooks
from insure.signatures import new_secret, sign, verify_request
from tests.unit.fakes_risk import FakeIdempotency, FakeInsurers, FakeProgress, insurer

SECRET = new_secret()


def _mixed_case(headers: dict[str, str]) -> dict[str, str]:
    return {name.title(): value for name, value in headers.items()}  # Webhook-Id, Webhook-Signature, ...


def test_a_signed_request_verifies_whatever_the_case_of_its_header_names():
    body = '{"n": 1}'
    headers = _mixed_case(sign(SECRET, body, message_id="msg_1"))
    assert verify_request(headers, body, sender="scanner", secrets=lambda: [SECRET], unknown=lambda: NotFound("x")) == (
        "msg_1"
    )


def test_the_signature_headers_are_required_before_the_signer_is_looked_up():
    looked_up: list[bool] = []

    def secrets() -> list[str]:
        looked_up.append(True)
        return [SECRET]

    with pytest.raises(Unauthorized):
        verify_request({"webhook-id": "msg_1"}, "{}", sender="insurer", secrets=secrets, unknown=lambda: NotFound("x"))
    assert looked_up == []


def test_an_unknown_signer_is_refused_as_the_caller_says_and_a_bad_signature_is_401():
    body = "{}"
    headers = sign(SECRET, body)
    with pytest.raises(NotFound):
        verify_request(headers, body, sender="insurer", secrets=lambda: None, unknown=lambda: NotFound("No insurer."))
    with pytest.raises(Unauthorized):
        verify_request(headers, body, sender="insurer", secrets=lambda: [new_secret()], unknown=lambda: NotFound("x"))


class _DeviceStore:
    def __init__(self, *devices: Device) -> None:
        self.devices = {d.device_id: d for d in devices}

    def get(self, device_id: str) -> tuple[Device, int] | None:
        found = self.devices.get(device_id)
        return (found, 1) if found else None


def test_a_scan_is_verified_with_the_secrets_of_the_device_its_body_names():
    device = Device(device_id="dev_1", secrets=(new_secret(), SECRET), created_at="2027-01-01T00:00:00Z")
    devices = Devices(_DeviceStore(device), FakeIdempotency())  # type: ignore[arg-type]
    body = json.dumps({"device_id": "dev_1", "scan_id": "s1"})
    # Signed with the device's previous secret (kept during rotation), header names in any case
    assert devices.verify_scan(_mixed_case(sign(SECRET, body, message_id="msg_s1")), body) == "msg_s1"
    # A body naming no device, or an unknown one, or another device's signature: 401
    for refused in ("[]", json.dumps({"device_id": ""}), json.dumps({"device_id": "dev_unknown"})):
        with pytest.raises(Unauthorized):
            devices.verify_scan(sign(SECRET, refused), refused)
    with pytest.raises(Unauthorized):
        devices.verify_scan(sign(new_secret(), body), body)


def test_an_insurer_webhook_is_verified_by_the_same_steps_and_applied():
    acme = insurer("ins_a")
    store = FakeProgress()
    store.open_pending("re_1", "ins_a", "POL-1", "2027-01-15T07:00:00Z")
    told: list[Any] = []
    progress = ProgressService(store, publisher=_Nowhere(), names=lambda _: "Acme", tell=lambda *a, **k: told.append(a))
    webhooks = InsurerWebhooks(FakeInsurers(acme), progress, FakeIdempotency())
    update = {"risk_event_id": "re_1", "claim_reference": "REF-1", "status": "assessing"}
    body = json.dumps({**update, "updated_at": "2027-01-15T08:00:00Z"})
    # No signature headers: 401 before the insurer is looked up; an unknown insurer: 404
    with pytest.raises(Unauthorized):
        webhooks.receive("ins_unknown", {}, body)
    with pytest.raises(NotFound):
        webhooks.receive("ins_unknown", sign(acme.signing_secret, body), body)
    # Signed by the insurer (header names in any case): applied once, the customer told
    webhooks.receive("ins_a", _mixed_case(sign(acme.signing_secret, body, message_id="msg_h")), body)
    assert [p.status for p in store.timeline("re_1")] == ["assessing"]
    assert told == [("re_1", "ins_a", "assessing")]


class _Nowhere:
    def publish(self, risk_event_id: str, payload: dict[str, Any]) -> None:
        pass

    def publish_many(self, risk_event_id: str, payloads: list[dict[str, Any]]) -> None:
        pass


def test_a_connector_call_to_the_claims_desk_is_verified_by_the_same_steps():
    from insure.claims_desk.service import ClaimsDesk

    desk_record = insurer("ins_platform")
    read: list[bool] = []

    def own_insurer() -> Any:
        read.append(True)
        return desk_record

    desk = ClaimsDesk(None, own_insurer=own_insurer, webhooks=None, idempotency=FakeIdempotency())  # type: ignore[arg-type]
    body = json.dumps({"risk_event_id": "re_1"})
    # No signature headers: 401 before the registry is read
    with pytest.raises(Unauthorized):
        desk.verify_connector_call({"content-type": "application/json"}, body)
    assert read == []
    # Signed with the desk's secret (header names in any case): its webhook-id; another secret: 401
    signed = _mixed_case(sign(desk_record.signing_secret, body, message_id="msg_d"))
    assert desk.verify_connector_call(signed, body) == "msg_d" and read == [True]
    with pytest.raises(Unauthorized):
        desk.verify_connector_call(sign(new_secret(), body), body)
