"""Notification records and contact preferences in the single table (the only code that knows their wire format).

- `NOTIFICATION#<id>` / `NOTIFICATION`: recipient, channel, template, status, attempts, timestamps, the provider's
  message id or the last error; listed per recipient through gsi1 (`RECIPIENT#<channel>#<recipient>`). The data
  filled into the template is not stored (it may hold a one-time code).
- `CONTACT#<channel>#<recipient>` / `PREFERENCES`: `opted_out` (no service messages on this channel) and `offers`
  (marketing messages wanted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["sending", "retrying", "sent", "suppressed", "failed", "rejected"]
FINAL: tuple[Status, ...] = ("sent", "suppressed", "failed", "rejected")


@dataclass(frozen=True)
class NotificationRecord:
    notification_id: str
    recipient: str
    channel: str
    template: str
    status: str
    attempts: int
    requested_at: str
    updated_at: str
    customer_id: str | None = None
    provider_message_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Preferences:
    opted_out: bool = False
    offers: bool = False


class DeliveryInProgress(Exception):
    """Another delivery of the same notification holds its lease (a duplicate delivered concurrently)."""


def _record(item: dict[str, Any]) -> NotificationRecord:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return NotificationRecord(
        notification_id=item["notification_id"]["S"],
        recipient=item["recipient"]["S"],
        channel=item["channel"]["S"],
        template=item["template"]["S"],
        status=item["status"]["S"],
        attempts=int(item.get("attempts", {"N": "0"})["N"]),
        requested_at=item["requested_at"]["S"],
        updated_at=item["updated_at"]["S"],
        customer_id=text("customer_id"),
        provider_message_id=text("provider_message_id"),
        error=text("error"),
    )


class NotificationRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    @staticmethod
    def key(notification_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"NOTIFICATION#{notification_id}"}, "sk": {"S": "NOTIFICATION"}}

    def claim(self, message: dict[str, Any], *, now: float, stamp: str, lease_s: int) -> NotificationRecord | None:
        """Start a delivery attempt: the record is created on first sight, its attempts counted and a lease taken.
        None when the notification already reached a final status (a duplicate delivery); `DeliveryInProgress`
        while another attempt holds the lease."""
        from botocore.exceptions import ClientError

        fields: dict[str, Any] = {  # what a claim sets: name -> value (requested_at only on a new record)
            "notification_id": {"S": message["notification_id"]},
            "recipient": {"S": message["recipient"]},
            "channel": {"S": message["channel"]},
            "template": {"S": message["template"]},
            "requested_at": {"S": message["requested_at"]},
            "entity": {"S": "notification"},
            "gsi1pk": {"S": f"RECIPIENT#{message['channel']}#{message['recipient']}"},
            "gsi1sk": {"S": f"{message['requested_at']}#{message['notification_id']}"},
            "status": {"S": "sending"},
            "lease_until": {"N": str(now + lease_s)},
            "updated_at": {"S": stamp},
        }
        if message.get("customer_id"):
            fields["customer_id"] = {"S": message["customer_id"]}
        # First sight (the common case): one conditional PutItem of the new record, attempts 1.
        new = {**self.key(message["notification_id"]), **fields, "attempts": {"N": "1"}}
        try:
            self._dynamodb().put_item(TableName=self.table, Item=new, ConditionExpression="attribute_not_exists(pk)")
            return _record(new)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        # A redelivery: a new attempt unless the record is final or another attempt holds its lease.
        values = {f":{name}": value for name, value in fields.items()} | {":now": {"N": str(now)}, ":one": {"N": "1"}}
        sets = [
            "requested_at = if_not_exists(requested_at, :requested_at)"
            if name == "requested_at"
            else f"{'#status' if name == 'status' else name} = :{name}"
            for name in fields
        ]
        finals = {f":final{n}": {"S": status} for n, status in enumerate(FINAL)}
        values.update(finals)
        condition = (
            f"attribute_not_exists(pk) OR (NOT #status IN ({', '.join(finals)}) "
            "AND (attribute_not_exists(lease_until) OR lease_until < :now))"
        )
        try:
            result = self._dynamodb().update_item(
                TableName=self.table,
                Key=self.key(message["notification_id"]),
                UpdateExpression="SET " + ", ".join(sets) + " ADD attempts :one",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            current = self.get(message["notification_id"])
            if current is not None and current.status in FINAL:
                return None
            raise DeliveryInProgress(message["notification_id"]) from None
        return _record(result["Attributes"])

    def finish(
        self,
        notification_id: str,
        status: Status,
        *,
        stamp: str,
        provider_message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record the attempt's outcome; the lease is released (`retrying` may be claimed again at once)."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":status": {"S": status}, ":stamp": {"S": stamp}}
        sets = ["#status = :status", "updated_at = :stamp"]
        if provider_message_id is not None:
            values[":provider"] = {"S": provider_message_id}
            sets.append("provider_message_id = :provider")
        if error is not None:
            values[":error"] = {"S": error[:500]}
            sets.append("#error = :error")
            names["#error"] = "error"
        if status == "sent":
            sets.append("sent_at = :stamp")
        self._dynamodb().update_item(
            TableName=self.table,
            Key=self.key(notification_id),
            UpdateExpression="SET " + ", ".join(sets) + " REMOVE lease_until",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def get(self, notification_id: str) -> NotificationRecord | None:
        found = self._dynamodb().get_item(TableName=self.table, Key=self.key(notification_id), ConsistentRead=True)
        item = found.get("Item")
        return _record(item) if item else None

    def for_recipient(self, channel: str, recipient: str) -> list[NotificationRecord]:
        """Every message to `recipient` on `channel`, oldest first."""
        result = self._dynamodb().query(
            TableName=self.table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"RECIPIENT#{channel}#{recipient}"}},
        )
        return [_record(item) for item in result.get("Items", [])]

    # -- preferences ------------------------------------------------------------------------------------------
    @staticmethod
    def _contact_key(channel: str, recipient: str) -> dict[str, Any]:
        return {"pk": {"S": f"CONTACT#{channel}#{recipient}"}, "sk": {"S": "PREFERENCES"}}

    def preferences(self, channel: str, recipient: str) -> Preferences:
        found = self._dynamodb().get_item(TableName=self.table, Key=self._contact_key(channel, recipient))
        item = found.get("Item")
        if not item:
            return Preferences()
        return Preferences(
            opted_out=item.get("opted_out", {"BOOL": False})["BOOL"], offers=item.get("offers", {"BOOL": False})["BOOL"]
        )

    def set_preferences(
        self, channel: str, recipient: str, *, opted_out: bool | None = None, offers: bool | None = None
    ) -> None:
        """Change what is given (None leaves a preference as it is)."""
        sets = ["entity = :entity"]
        values: dict[str, Any] = {":entity": {"S": "contact_preferences"}}
        if opted_out is not None:
            sets.append("opted_out = :opted_out")
            values[":opted_out"] = {"BOOL": opted_out}
        if offers is not None:
            sets.append("offers = :offers")
            values[":offers"] = {"BOOL": offers}
        self._dynamodb().update_item(
            TableName=self.table,
            Key=self._contact_key(channel, recipient),
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeValues=values,
        )
