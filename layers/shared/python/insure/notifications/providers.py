"""Delivery providers, chosen by configuration (`NOTIFICATIONS_PROVIDER`):

- `aws`: e-mail through Amazon SES (v2 `SendEmail`), text messages through Amazon SNS (`Publish` to a phone number,
  transactional).
- `gateway`: an HTTP mail and SMS gateway at `NOTIFICATIONS_GATEWAY_URL` speaking the providers' own shapes: SES
  v2's `POST /v2/email/outbound-emails` for e-mail and a Twilio-style `POST /2010-04-01/Accounts/{account}/
  Messages.json` (form-encoded `To`, `From`, `Body`) for text messages. Locally, the simulated gateway.

Both raise `ProviderUnavailable` when retrying may help (throttling, 5xx, no connection) and `ProviderRejected`
when it cannot (an address the provider refuses)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from insure.errors import TransientError

GATEWAY_ACCOUNT = "AC-insurance-platform"
RETRYABLE_AWS_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "ServiceUnavailable", "InternalFailure"}
)


class ProviderUnavailable(TransientError):
    """The provider did not take the message this time."""


class ProviderRejected(Exception):
    """The provider refused the message for good."""


class Provider(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> str:
        """Deliver an e-mail; the provider's message id."""
        ...

    def send_sms(self, to: str, body: str) -> str:
        """Deliver a text message; the provider's message id."""
        ...


@dataclass
class AwsProvider:
    """SES for e-mail, SNS for text messages."""

    from_email: str
    sms_sender: str

    def send_email(self, to: str, subject: str, body: str) -> str:
        from insure.aws import client

        result = _aws_call(
            lambda: client("sesv2").send_email(
                FromEmailAddress=self.from_email,
                Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}}},
            )
        )
        return str(result["MessageId"])

    def send_sms(self, to: str, body: str) -> str:
        from insure.aws import client

        result = _aws_call(
            lambda: client("sns").publish(
                PhoneNumber=to,
                Message=body,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self.sms_sender},
                },
            )
        )
        return str(result["MessageId"])


def _aws_call(call: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
        if code in RETRYABLE_AWS_CODES or status >= 500 or status == 429:
            raise ProviderUnavailable(f"{code or status}") from error
        raise ProviderRejected(f"{code}: {error.response.get('Error', {}).get('Message', '')}") from error
    except BotoCoreError as error:  # no connection, timeouts
        raise ProviderUnavailable(type(error).__name__) from error


def _new_pool() -> Any:
    import urllib3

    return urllib3.PoolManager(num_pools=4, maxsize=8, retries=False)


@dataclass
class GatewayProvider:
    """An HTTP mail and SMS gateway with SES v2's e-mail API and a Twilio-style messages API."""

    base_url: str
    from_email: str
    sms_sender: str
    timeout_s: float = 5.0
    pool: Any = field(default_factory=_new_pool, repr=False)  # one per provider: the root builds one per environment

    def send_email(self, to: str, subject: str, body: str) -> str:
        payload = {
            "FromEmailAddress": self.from_email,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}}},
        }
        answer = self._post(
            "/v2/email/outbound-emails", json.dumps(payload).encode(), "application/json", expected=(200,)
        )
        return str(answer["MessageId"])

    def send_sms(self, to: str, body: str) -> str:
        form = urlencode({"To": to, "From": self.sms_sender, "Body": body}).encode()
        path = f"/2010-04-01/Accounts/{GATEWAY_ACCOUNT}/Messages.json"
        answer = self._post(path, form, "application/x-www-form-urlencoded", expected=(200, 201))
        return str(answer["sid"])

    def _post(self, path: str, body: bytes, content_type: str, *, expected: tuple[int, ...]) -> dict[str, Any]:
        import urllib3

        try:
            response = self.pool.request(
                "POST",
                self.base_url.rstrip("/") + path,
                body=body,
                headers={"Content-Type": content_type},
                timeout=urllib3.Timeout(total=self.timeout_s),
            )
        except urllib3.exceptions.HTTPError as error:
            raise ProviderUnavailable(type(error).__name__) from error
        if response.status == 429 or response.status >= 500:
            raise ProviderUnavailable(f"HTTP {response.status}")
        try:
            answer = json.loads(response.data or b"{}")
        except ValueError:
            answer = {}
        if response.status not in expected or not isinstance(answer, dict):
            raise ProviderRejected(f"HTTP {response.status}: {str(answer)[:200]}")
        return answer


def provider_for(kind: str, *, gateway_url: str, from_email: str, sms_sender: str) -> Provider:
    if kind == "gateway":
        return GatewayProvider(gateway_url, from_email, sms_sender)
    return AwsProvider(from_email, sms_sender)
