"""Live progress: WebSocket subscribers of a risk event, and pushing changes to them.

A client connects to the WebSocket API (API Gateway in AWS, `local/websocket.py` locally, same protocol) with
`?risk_event_id=<id>&token=<token>` on `$connect`, or sends `{"action": "subscribe", "risk_event_id", "token"}`
later; the token is the event's reporter token or, for the customer's event on their own policy, the customer's
access token (`insure.risk.event_views.EventViews.watches`). A third party who reported also watches the owner's event's
insurer progress, reduced to statuses and shown as their own event. Subscriptions live in the single table:
`pk = LIVE#<risk_event_id>`, `sk = CONN#<connection_id>` (with `shown_as` for a third party's reduced view), plus
`pk = LIVECONN#<connection_id>`, `sk = LIVECONN` listing its events so `$disconnect` can clean up; both expire by
TTL (`expires_at_epoch`) after two hours.

`LiveHub.publish` posts to each subscriber with the API Gateway Management API (`post_to_connection`) at
`WEBSOCKET_CALLBACK_URL` (the composition root builds that client once); a connection that is gone is forgotten.
With no callback URL configured (no client), publishing does nothing (functions that never serve live clients).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from insure import timestamps

if TYPE_CHECKING:
    from insure.risk.progress_models import InsurerProgress

log = logging.getLogger(__name__)

SUBSCRIPTION_TTL_S = 2 * 3600

# How a subscription's token is checked: (risk_event_id, token) -> the streams it may watch, as (stream event id,
# shown as: None for the full stream, else the subscriber's own event id for the third party's reduced view);
# raises Unauthorized/NotFound/Forbidden. The risk-event views provide it (`EventViews.watches`).
Watch = tuple[str, str | None]
Authorizer = Callable[[str, str], list[Watch]]


class ConnectionRepository:
    """WebSocket subscriptions in the single table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def subscribe(self, connection_id: str, risk_event_id: str, shown_as: str | None = None) -> None:
        expires = str(int(timestamps.epoch()) + SUBSCRIPTION_TTL_S)
        item = {
            "pk": {"S": f"LIVE#{risk_event_id}"},
            "sk": {"S": f"CONN#{connection_id}"},
            "entity": {"S": "live-subscription"},
            "connection_id": {"S": connection_id},
            "expires_at_epoch": {"N": expires},
        }
        if shown_as is not None:
            item["shown_as"] = {"S": shown_as}
        self._db.put_item(TableName=self._table, Item=item)
        self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"LIVECONN#{connection_id}"}, "sk": {"S": "LIVECONN"}},
            UpdateExpression="ADD risk_event_ids :e SET expires_at_epoch = :x, entity = :n",
            ExpressionAttributeValues={":e": {"SS": [risk_event_id]}, ":x": {"N": expires}, ":n": {"S": "live-conn"}},
        )

    def subscribers(self, risk_event_id: str) -> list[Watch]:
        """The live connections watching the event, each with the event it is shown as (None: itself, in full)."""
        now = int(timestamps.epoch())
        items = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": f"LIVE#{risk_event_id}"}, ":s": {"S": "CONN#"}},
        ).get("Items", [])
        return [
            (i["connection_id"]["S"], i.get("shown_as", {}).get("S"))
            for i in items
            if int(i["expires_at_epoch"]["N"]) > now
        ]

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


def management_api(endpoint_url: str) -> Any:
    """The API Gateway Management API client posting to live connections at `endpoint_url`."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint_url,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=5),
    )


def _shown_to_third_party(payload: dict[str, Any], shown_as: str) -> dict[str, Any] | None:
    """A payload of the owner's event as a third party watching it sees it: insurer progress only, reduced."""
    if payload.get("type") != "insurer_progress" or not isinstance(payload.get("insurer"), dict):
        return None
    from insure.risk.progress_models import InsurerProgress

    reduced = InsurerProgress.model_validate(payload["insurer"]).for_third_party()
    return {"type": "insurer_progress", "risk_event_id": shown_as, "insurer": reduced.model_dump(mode="json")}


def _encoded(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), default=str).encode()


class LiveHub:
    """Subscriptions and pushes. `api` is the Management API client (None: live pushes are not configured);
    `authorize` checks a subscriber's token; `timeline` is an event's insurers' progress, named (snapshots)."""

    def __init__(
        self,
        connections: ConnectionRepository,
        api: Any,
        *,
        authorize: Authorizer,
        timeline: Callable[[str], list[InsurerProgress]],
    ) -> None:
        self.connections, self.api, self.authorize, self.timeline = connections, api, authorize, timeline

    def subscribe(self, connection_id: str, risk_event_id: str, token: str) -> list[Watch]:
        """Subscribes a WebSocket connection to the event after checking the token (raises `Unauthorized`,
        `NotFound` or `Forbidden` as the API would); returns the streams it now watches (see `snapshot`)."""
        watched = self.authorize(risk_event_id, token)
        for stream, shown_as in watched:
            self.connections.subscribe(connection_id, stream, shown_as)
        return watched

    def disconnect(self, connection_id: str) -> None:
        """Forgets every subscription of a closed connection."""
        self.connections.forget(connection_id)

    def send_to(self, connection_id: str, payload: dict[str, Any]) -> bool:
        """Sends `payload` to one connection; False when it is gone (or live pushes are not configured)."""
        if self.api is None:
            return False
        try:
            self.api.post_to_connection(ConnectionId=connection_id, Data=_encoded(payload))
        except self.api.exceptions.GoneException:
            return False
        return True

    def snapshot(self, risk_event_id: str, watched: list[Watch] | None = None) -> dict[str, Any]:
        """The message a new subscriber gets first: every insurer's progress as it stands (on the streams it
        watches, reduced where it is shown a third party's view), with the insurers' names."""
        insurers: list[dict[str, Any]] = []
        for stream, shown_as in watched or [(risk_event_id, None)]:
            for p in self.timeline(stream):
                insurers.append((p if shown_as is None else p.for_third_party()).model_dump(mode="json"))
        return {"type": "snapshot", "risk_event_id": risk_event_id, "insurers": insurers}

    def publish(self, risk_event_id: str, payload: dict[str, Any]) -> None:
        """Sends `payload` (JSON) to every live subscriber of the event; gone connections are forgotten."""
        self.publish_many(risk_event_id, [payload])

    def publish_many(self, risk_event_id: str, payloads: list[dict[str, Any]]) -> None:
        """Sends each payload, in order, to every live subscriber of the event (subscribers are read once)."""
        api = self.api
        if api is None or not payloads:
            return
        subscribers = self.connections.subscribers(risk_event_id)
        if not subscribers:
            return
        full = [_encoded(p) for p in payloads]
        for connection_id, shown_as in subscribers:
            if shown_as is None:
                messages = full
            else:
                messages = [_encoded(r) for p in payloads if (r := _shown_to_third_party(p, shown_as)) is not None]
            for data in messages:
                try:
                    api.post_to_connection(ConnectionId=connection_id, Data=data)
                except api.exceptions.GoneException:
                    self.connections.forget_subscription(connection_id, risk_event_id)
                    break
                except Exception:  # one broken subscriber must not stop the others
                    log.warning("live push to %s failed", connection_id, exc_info=True)
                    break
