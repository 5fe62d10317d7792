"""Risk events in the single table: the only code that knows their DynamoDB items.

- `pk = RISKEVENT#<id>`, `sk = EVENT`: the event as JSON in `data` and a `version` for optimistic locking.
- `pk = REPORTERTOKEN#<sha256>`, `sk = TOKEN`: which event a reporter token opens.
- `pk = SCANMSG#<device_id>#<webhook-id>`, `sk = SCANMSG` and `pk = SCAN#<device_id>#<scan_id>`, `sk = SCAN`: a
  scanner's claimed message and scan ids (the scan item keeps the events it opens, so any repeat can complete an
  interrupted intake).
- `pk = TAGINCIDENT#<tag_id>`, `sk = OPEN`: the customer's event open for reports on the tag (24 hours).
- `pk = POLICYEVENTS#<insurer_id>#<policy_number>`, `sk = <created_at>#<risk_event_id>`: the customer's events
  on each policy covering the object (how a signed-in customer lists theirs).
"""

from __future__ import annotations

import json
from typing import Any

from insure.risk.event_models import RiskEvent, now_rfc3339
from insure.storage import replace_if_version

INCIDENT_WINDOW_S = 24 * 3600


class EventRepository:
    """Risk events, their token items and the scan / message claim items in the single table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(risk_event_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"RISKEVENT#{risk_event_id}"}, "sk": {"S": "EVENT"}}

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return item

    def get(self, risk_event_id: str) -> tuple[RiskEvent, int] | None:
        item = self._get(self._key(risk_event_id))
        if not item:
            return None
        return RiskEvent.model_validate_json(item["data"]["S"]), int(item["version"]["N"])

    def event_of_token(self, hashed: str) -> str | None:
        item = self._get({"pk": {"S": f"REPORTERTOKEN#{hashed}"}, "sk": {"S": "TOKEN"}})
        return item["risk_event_id"]["S"] if item else None

    def _put_new(self, item: dict[str, Any]) -> bool:
        """A conditional put of a new item (False when it exists). Deliberately single-item conditions rather than
        one multi-item transaction: the intake is a sequence of claims that any repeat completes
        (`write_events`), and single-item conditions behave the same on DynamoDB and on the local moto, whose
        cancelled transactions are not safe under concurrency."""
        try:
            self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def claim_message(self, device_id: str, message_id: str, scan_id: str) -> bool:
        """Claims a scanner's signed message id for a scan; False when the scanner sent this message before."""
        return self._put_new(
            {
                "pk": {"S": f"SCANMSG#{device_id}#{message_id}"},
                "sk": {"S": "SCANMSG"},
                "entity": {"S": "scan-message"},
                "scan_id": {"S": scan_id},
                "created_at": {"S": now_rfc3339()},
            }
        )

    def scan_of_message(self, device_id: str, message_id: str) -> str | None:
        item = self._get({"pk": {"S": f"SCANMSG#{device_id}#{message_id}"}, "sk": {"S": "SCANMSG"}})
        return item["scan_id"]["S"] if item else None

    def claim_scan(self, device_id: str, scan_id: str, events: list[RiskEvent]) -> bool:
        """Claims a scanner's scan id with the events it opens (kept so any repeat can complete an interrupted
        intake); False when the scanner's scan was already claimed."""
        return self._put_new(
            {
                "pk": {"S": f"SCAN#{device_id}#{scan_id}"},
                "sk": {"S": "SCAN"},
                "entity": {"S": "scan"},
                "risk_event_id": {"S": events[0].risk_event_id},
                "events": {"S": json.dumps([e.model_dump(mode="json") for e in events])},
                "created_at": {"S": now_rfc3339()},
            }
        )

    def scan_events(self, device_id: str, scan_id: str) -> list[RiskEvent] | None:
        """The events a claimed scan opens (as first built), or None when the scanner never claimed the scan id."""
        item = self._get({"pk": {"S": f"SCAN#{device_id}#{scan_id}"}, "sk": {"S": "SCAN"}})
        if not item:
            return None
        return [RiskEvent.model_validate(e) for e in json.loads(item["events"]["S"])]

    def write_events(self, events: list[RiskEvent], token_hashes: list[str]) -> None:
        """Writes each event and its token item (the hash of its reporter token, in the same order) unless it
        exists (safe to repeat, also concurrently)."""
        for event, hashed in zip(events, token_hashes, strict=True):
            self._put_new(
                {
                    **self._key(event.risk_event_id),
                    "entity": {"S": "risk-event"},
                    "version": {"N": "1"},
                    "data": {"S": event.model_dump_json()},
                }
            )
            self._put_new(
                {
                    "pk": {"S": f"REPORTERTOKEN#{hashed}"},
                    "sk": {"S": "TOKEN"},
                    "entity": {"S": "reporter-token"},
                    "risk_event_id": {"S": event.risk_event_id},
                }
            )
            if event.role == "customer":
                for policy in event.policies:
                    self._db.put_item(
                        TableName=self._table,
                        Item={
                            "pk": {"S": f"POLICYEVENTS#{policy.insurer_id}#{policy.policy_number}"},
                            "sk": {"S": f"{event.created_at}#{event.risk_event_id}"},
                            "entity": {"S": "policy-event"},
                            "risk_event_id": {"S": event.risk_event_id},
                        },
                    )

    def events_of_policy(self, insurer_id: str, policy_number: str, limit: int) -> list[str]:
        """The ids of the customer's events on the insurer's policy, newest first (at most `limit`)."""
        items = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": f"POLICYEVENTS#{insurer_id}#{policy_number}"}},
            ScanIndexForward=False,
            Limit=limit,
        ).get("Items", [])
        return [i["risk_event_id"]["S"] for i in items]

    def open_incident(self, tag_id: str, now_epoch: int) -> str | None:
        """The customer's event still open for reports on this tag, if any (expired pointers are ignored)."""
        item = self._get({"pk": {"S": f"TAGINCIDENT#{tag_id}"}, "sk": {"S": "OPEN"}})
        if not item or int(item["expires_at_epoch"]["N"]) <= now_epoch:
            return None
        return str(item["risk_event_id"]["S"])

    def claim_incident(self, tag_id: str, risk_event_id: str, now_epoch: int) -> bool:
        """Makes the customer's event the tag's open incident, unless another one is open."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"TAGINCIDENT#{tag_id}"},
                    "sk": {"S": "OPEN"},
                    "entity": {"S": "tag-incident"},
                    "risk_event_id": {"S": risk_event_id},
                    "expires_at_epoch": {"N": str(now_epoch + INCIDENT_WINDOW_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at_epoch <= :now",
                ExpressionAttributeValues={":now": {"N": str(now_epoch)}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def save(self, event: RiskEvent, version: int) -> bool:
        """Replaces the event if nobody changed it since `version` was read."""
        return replace_if_version(
            self._db,
            self._table,
            self._key(event.risk_event_id),
            entity="risk-event",
            data_json=event.model_dump_json(),
            version=version,
        )
