"""The live-progress WebSocket API ($connect, $disconnect, $default): subscriptions to a risk event's progress.

`$connect` with `?risk_event_id=…&token=…` subscribes at once (a bad token refuses the connection: 401/404);
a message `{"action": "subscribe", "risk_event_id", "token"}` subscribes later and answers with a snapshot of
the timeline; after that every change is pushed (`insure.risk.live.LiveHub.publish`). The token is the event's reporter
token, or the access token of the customer whose event it is."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.errors import DomainError
from insure.roots import Lazy
from insure.roots.risk import RiskRoot

logger = Logger()
root = Lazy(RiskRoot.from_environment)


def _reply(status: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps(body or {})}


def _subscribe(connection_id: str, params: dict[str, Any], *, answer: bool) -> dict[str, Any]:
    risk_event_id, token = str(params.get("risk_event_id") or ""), str(params.get("token") or "")
    live = root().live
    try:
        watched = live.subscribe(connection_id, risk_event_id, token)
    except DomainError as error:
        if answer:
            live.send_to(connection_id, {"type": "error", "status": error.status, "detail": error.detail})
        return _reply(error.status, {"detail": error.detail})
    if answer:
        live.send_to(connection_id, live.snapshot(risk_event_id, watched))
    return _reply(200, {"subscribed": risk_event_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    connection_id, route = str(request.get("connectionId", "")), request.get("routeKey")
    if route == "$connect":
        params = event.get("queryStringParameters") or {}
        if params.get("risk_event_id") or params.get("token"):
            return _subscribe(connection_id, params, answer=False)
        return _reply(200)
    if route == "$disconnect":
        root().live.disconnect(connection_id)
        return _reply(200)
    try:
        message = json.loads(event.get("body") or "{}")
    except ValueError:
        message = None
    if not isinstance(message, dict) or message.get("action") != "subscribe":
        root().live.send_to(
            connection_id, {"type": "error", "status": 400, "detail": 'Send {"action": "subscribe", ...}.'}
        )
        return _reply(400)
    return _subscribe(connection_id, message, answer=True)
