"""Configuration as a model: every function's environment, validated once per execution environment.

A plain pydantic model filled from `os.environ` (each field from the variable named by its alias, matched
case-insensitively; explicit keyword arguments win), rather than a pydantic-settings `BaseSettings`. Measured in a
function that already uses pydantic, importing and building the settings costs about 7 ms this way and about 37 ms
with pydantic-settings: some 30 ms (0.04x of the cold-start baseline) on every function that reads a setting on its
first request, which the functions nearest the cold-start target cannot spare."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlatformSettings(BaseModel):
    """Names of the platform's resources and its tunables. Variable names are shared by all functions."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(), **values})

    @property
    def web_address(self) -> str:
        """Where people open the web client (no trailing slash)."""
        return (self.web_base_url or self.public_base_url).rstrip("/")

    service_name: str = Field("insurance-platform", alias="POWERTOOLS_SERVICE_NAME")
    table_name: str = Field("table", alias="TABLE_NAME")
    idempotency_table_name: str = Field("idempotency", alias="IDEMPOTENCY_TABLE_NAME")
    documents_bucket: str = Field("documents", alias="DOCUMENTS_BUCKET")
    insurer_requests_queue_url: str = Field("", alias="INSURER_REQUESTS_QUEUE_URL")
    issuance_state_machine_arn: str = Field("", alias="ISSUANCE_STATE_MACHINE_ARN")
    amendment_state_machine_arn: str = Field("", alias="AMENDMENT_STATE_MACHINE_ARN")
    signing_keys_secret_arn: str = Field("signing-keys", alias="SIGNING_KEYS_SECRET_ARN")
    admin_key_secret_arn: str = Field("admin-key", alias="ADMIN_KEY_SECRET_ARN")
    max_body_bytes: int = Field(64 * 1024, alias="MAX_BODY_BYTES")
    card_processor_url: str = Field("http://127.0.0.1:3010", alias="CARD_PROCESSOR_URL")
    public_base_url: str = Field("http://127.0.0.1:3000", alias="PUBLIC_BASE_URL")
    # The public web address of the web client (the report page `/t/{tag_id}` a tag's QR code opens); empty:
    # the web client is served on the API's origin (as locally), so PUBLIC_BASE_URL.
    web_base_url: str = Field("", alias="WEB_BASE_URL")
    # The platform's own claims desk, registered as an insurer: who its salesperson is.
    platform_sales_name: str = Field("Platform sales desk", alias="PLATFORM_SALES_NAME")
    platform_sales_email: str = Field("sales@insurance-platform.example", alias="PLATFORM_SALES_EMAIL")
    platform_sales_phone: str = Field("+12125550150", alias="PLATFORM_SALES_PHONE")
    websocket_callback_url: str = Field("", alias="WEBSOCKET_CALLBACK_URL")
    websocket_url: str = Field("", alias="WEBSOCKET_URL")
    # The web client's origin (scheme://host[:port]): the only origin CORS allows; empty allows none.
    web_origin: str = Field("", alias="WEB_ORIGIN")
    # Where a browser sends card details to be tokenized (the processor's hosted-fields endpoint, never our API).
    card_tokenization_url: str = Field("", alias="CARD_TOKENIZATION_URL")
    insurer_timeout_s: float = Field(5.0, alias="INSURER_TIMEOUT_S")
    insurer_poll_interval_s: int = Field(60, alias="INSURER_POLL_INTERVAL_S", ge=0, le=900)
    insurer_max_receive_count: int = Field(5, alias="INSURER_MAX_RECEIVE_COUNT")
    session_ttl_seconds: int = Field(3600, alias="SESSION_TTL_SECONDS", gt=0)
    offer_ttl_seconds: int = Field(900, alias="OFFER_TTL_SECONDS", gt=0)
    response_wait_ms: int = Field(2000, alias="RESPONSE_WAIT_MS", ge=0)
    notifications_queue_url: str = Field("", alias="NOTIFICATIONS_QUEUE_URL")
    # "aws": SES (e-mail) and SNS (text messages); "gateway": the HTTP mail and SMS gateway at the URL below
    notifications_provider: str = Field("aws", alias="NOTIFICATIONS_PROVIDER", pattern="^(aws|gateway)$")
    notifications_gateway_url: str = Field("", alias="NOTIFICATIONS_GATEWAY_URL")
    notifications_from_email: str = Field("no-reply@insurance-platform.example", alias="NOTIFICATIONS_FROM_EMAIL")
    notifications_sms_sender: str = Field("INSURE", alias="NOTIFICATIONS_SMS_SENDER")
    access_token_ttl_seconds: int = Field(900, alias="ACCESS_TOKEN_TTL_SECONDS", gt=0)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, alias="REFRESH_TOKEN_TTL_SECONDS", gt=0)
    account_max_failures: int = Field(5, alias="ACCOUNT_MAX_FAILURES", gt=0)
    account_lock_seconds: int = Field(900, alias="ACCOUNT_LOCK_SECONDS", gt=0)
    login_source_max_failures: int = Field(30, alias="LOGIN_SOURCE_MAX_FAILURES", gt=0)
    login_source_window_seconds: int = Field(900, alias="LOGIN_SOURCE_WINDOW_SECONDS", gt=0)
    reset_code_ttl_seconds: int = Field(900, alias="RESET_CODE_TTL_SECONDS", gt=0)
    reset_code_max_attempts: int = Field(5, alias="RESET_CODE_MAX_ATTEMPTS", gt=0)
    # Billing: a failed installment is tried again this many days after its due date (comma-separated), and the
    # policy lapses when it is still unpaid `billing_grace_days` after it; renewals are offered this many days
    # before the end of the term.
    billing_retry_days: str = Field("3,7", alias="BILLING_RETRY_DAYS", pattern=r"^\d{1,3}(,\d{1,3})*$")
    billing_grace_days: int = Field(10, alias="BILLING_GRACE_DAYS", ge=1, le=90)
    renewal_notice_days: int = Field(30, alias="RENEWAL_NOTICE_DAYS", ge=1, le=120)
    billing_run_workers: int = Field(8, alias="BILLING_RUN_WORKERS", ge=1, le=64)
    notifications_max_receive_count: int = Field(5, alias="NOTIFICATIONS_MAX_RECEIVE_COUNT", ge=1)

    @property
    def retry_days(self) -> tuple[int, ...]:
        """The days after an installment's due date on which a failed charge is tried again, in order."""
        return tuple(sorted({int(day) for day in self.billing_retry_days.split(",")}))


@lru_cache(maxsize=1)
def get_settings() -> PlatformSettings:
    """The settings of this execution environment (read once; tests clear the cache to change them)."""
    return PlatformSettings()  # type: ignore[call-arg]


def _from_environment() -> dict[str, str]:
    """The environment variables that name a setting, by the setting's alias."""
    aliases = {
        (field.alias or name).lower(): field.alias or name for name, field in PlatformSettings.model_fields.items()
    }
    return {aliases[key.lower()]: value for key, value in os.environ.items() if key.lower() in aliases}
