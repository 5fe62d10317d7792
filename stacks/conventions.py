"""The few constants every construct of the stack agrees on (runtime, layer, limits, names)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYER_DIR = ROOT / "layers" / "shared"
STATE_MACHINES_DIR = ROOT / "statemachines"
RUNTIME_REQUIREMENTS = ROOT / "requirements.txt"
DATA_DIR = ROOT / "data"

# The AWS-managed Powertools layer (python3.13, arm64). Keep the number in step with the pin in requirements.txt.
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LAYER_ARN = (
    "arn:aws:lambda:{region}:017000801446:layer:"
    f"AWSLambdaPowertoolsPythonV3-python313-arm64:{POWERTOOLS_LAYER_VERSION}"
)
# Provided by the managed layer, so our layer does not bundle it a second time.
PROVIDED_BY_POWERTOOLS_LAYER = ("aws-lambda-powertools",)

SERVICE_NAME = "insurance-platform"
METRICS_NAMESPACE = "InsurancePlatform"

# API Gateway REST APIs accept up to 10 MB and nothing lower is configurable: functions enforce this limit.
MAX_BODY_BYTES = 64 * 1024
API_STAGE = "api"
PUBLIC_BASE_URL_ENV = "PUBLIC_BASE_URL"
# Deploy-time settings read from CDK context (`cdk deploy -c card_processor_url=https://...`) -> env var.
CONTEXT_ENVIRONMENT = {
    "card_processor_url": "CARD_PROCESSOR_URL",
    "notifications_from_email": "NOTIFICATIONS_FROM_EMAIL",
    # where browsers tokenize cards (the processor's hosted-fields endpoint): told to the web client by GET /config
    "card_tokenization_url": "CARD_TOKENIZATION_URL",
}
WEB_ORIGIN_ENV = "WEB_ORIGIN"
API_THROTTLE_RATE = 50
API_THROTTLE_BURST = 100
WEBSOCKET_STAGE = "live"
WEBSOCKET_CALLBACK_URL_ENV = "WEBSOCKET_CALLBACK_URL"
WEBSOCKET_URL_ENV = "WEBSOCKET_URL"

# Lambda's guidance for SQS event sources: visibility timeout at least six times the consumer's timeout.
VISIBILITY_TIMEOUT_FACTOR = 6
TAG_FUNCTION = "insure:function"


def pascal(name: str) -> str:
    """`insurer-fanout` -> `InsurerFanout`: construct ids from declared names."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part)
