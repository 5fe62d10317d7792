"""Live progress: WebSocket subscribers of a risk event, and pushing changes to them.

A client connects to the WebSocket API (API Gateway in AWS, `local/websocket.py` locally, same protocol) with
`?risk_event_id=<id>&token=<reporter token>` on `$connect`, or sends `{"action": "subscribe", "risk_event_id",
"token"}` later; the token must be the event's reporter token. Subscriptions live in the single table:
`pk = LIVE#<risk_event_id>`, `sk = CONN#<connection_id>`, plus `pk = LIVECONN#<connection_id>`, `sk = LIVECONN`
listing its events so `$disconnect` can clean up; both expire by TTL (`expires_at_epoch`) after two hours.

`publish` posts to each subscriber with the API Gateway Management API (`post_to_connection`) at
`WEBSOCKET_CALLBACK_URL`; a connection that is gone is forgotten. With no callback URL configured, publishing
does nothing (functions that never serve live clients).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

SUBSCRIPTION_TTL_S = 2 * 3600

# How a subscription's token is checked: (risk_event_id, token) -> None, raising Unauthorized/NotFound/Forbidden.
# The risk-event module provides it (see `_default_authorizer`); tests may replace it.
Authorizer = Callable[[str, str], None]


def _default_authorizer(risk_event_id: str, token: str) -> None:
    from importlib import import_module

    # insure.risk.event_views (the risk-event area) checks reporter tokens; resolved at call time, never at import.
    import_module("insure.risk.event_views").authorize_reporter(risk_event_id, token)


class ConnectionRepository:
    """WebSocket subscriptions in the single table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def subscribe(self, connection_id: str, risk_event_id: str) -> None:
        expires = str(int(time.time()) + SUBSCRIPTION_TTL_S)
        self._db.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"LIVE#{risk_event_id}"},
                "sk": {"S": f"CONN#{connection_id}"},
                "entity": {"S": "live-subscription"},
                "connection_id": {"S": connection_id},
                "expires_at_epoch": {"N": expires},
            },
        )
        self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"LIVECONN#{connection_id}"}, "sk": {"S": "LIVECONN"}},
            UpdateExpression="ADD risk_event_ids :e SET expires_at_epoch = :x, entity = :n",
            ExpressionAttributeValues={":e": {"SS": [risk_event_id]}, ":x": {"N": expires}, ":n": {"S": "live-conn"}},
        )

    def subscribers(self, risk_event_id: str) -> list[str]:
        now = int(time.time())
        items = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"LIVE#{risk_event_id}"}, ":s": {"S": "CONN#"}},
        ).get("Items", [])
        return [i["connection_id"]["S"] for i in items if int(i["expires_at_epoch"]["N"]) > now]

    def forget(self, connection_id: str) -> None:
        key = {"pk": {"S": f"LIVECONN#{connection_id}"}, "sk": {"S": "LIVECONN"}}
        found = self._db.get_item(TableName=self._table, Key=key).get("Item")
        for risk_event_id in (found or {}).get("risk_event_ids", {}).get("SS", []):
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"LIVE#{risk_event_id}"}, "sk": {"S": f"CONN#{connection_id}"}},
            )
        self._db.delete_item(TableName=self._table, Key=key)

    def forget_subscription(self, connection_id: str, risk_event_id: str) -> None:
        self._db.delete_item(
            TableName=self._table, Key={"pk": {"S": f"LIVE#{risk_event_id}"}, "sk": {"S": f"CONN#{connection_id}"}}
        )


@cache
def connections() -> ConnectionRepository:
    from insure.aws import client
    from insure.settings import get_settings

    return ConnectionRepository(client("dynamodb"), get_settings().table_name)


@cache
def _management_api(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint_url,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=5),
    )


def reset() -> None:
    connections.cache_clear()
    _management_api.cache_clear()


def subscribe(connection_id: str, risk_event_id: str, token: str, *, authorize: Authorizer | None = None) -> None:
    """Subscribes a WebSocket connection to the event after checking the reporter token (raises `Unauthorized`,
    `NotFound` or `Forbidden` as the API would)."""
    (authorize or _default_authorizer)(risk_event_id, token)
    connections().subscribe(connection_id, risk_event_id)


def disconnect(connection_id: str) -> None:
    """Forgets every subscription of a closed connection."""
    connections().forget(connection_id)


def send_to(connection_id: str, payload: dict[str, Any]) -> bool:
    """Sends `payload` to one connection; False when it is gone (or live pushes are not configured)."""
    from insure.settings import get_settings

    endpoint = get_settings().websocket_callback_url
    if not endpoint:
        return False
    api = _management_api(endpoint)
    try:
        api.post_to_connection(
            ConnectionId=connection_id, Data=json.dumps(payload, separators=(",", ":"), default=str).encode()
        )
    except api.exceptions.GoneException:
        return False
    return True


def snapshot(risk_event_id: str) -> dict[str, Any]:
    """The message a new subscriber gets first: every insurer's progress as it stands."""
    from insure.risk.progress import timeline

    return {
        "type": "snapshot",
        "risk_event_id": risk_event_id,
        "insurers": [p.model_dump(mode="json") for p in timeline(risk_event_id)],
    }


def publish(risk_event_id: str, payload: dict[str, Any]) -> None:
    """Sends `payload` (JSON) to every live subscriber of the event; gone connections are forgotten."""
    publish_many(risk_event_id, [payload])


def publish_many(risk_event_id: str, payloads: list[dict[str, Any]]) -> None:
    """Sends each payload, in order, to every live subscriber of the event (subscribers are read once)."""
    from insure.settings import get_settings

    endpoint = get_settings().websocket_callback_url
    if not endpoint or not payloads:
        return
    subscribers = connections().subscribers(risk_event_id)
    if not subscribers:
        return
    api = _management_api(endpoint)
    messages = [json.dumps(p, separators=(",", ":"), default=str).encode() for p in payloads]
    for connection_id in subscribers:
        for data in messages:
            try:
                api.post_to_connection(ConnectionId=connection_id, Data=data)
            except api.exceptions.GoneException:
                connections().forget_subscription(connection_id, risk_event_id)
                break
            except Exception:  # one broken subscriber must not stop the others
                log.warning("live push to %s failed", connection_id, exc_info=True)
                break
