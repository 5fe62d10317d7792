"""Telling an insurer's salesperson that a claim was filed with their insurer.

Each notification is a record in the single table (`pk = NOTIFY#<insurer_id>`, `sk = CLAIM#<risk_event_id>`,
written once by a conditional put, so duplicate deliveries notify once) and one structured log line; a mail or
SMS sender would read the records (a stream) — out of scope for the platform today.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from pydantic import BaseModel

from insure.risk.insurers import Insurer

log = logging.getLogger(__name__)


class SalespersonNotification(BaseModel):
    insurer_id: str
    risk_event_id: str
    claim_reference: str
    policy_number: str
    salesperson_name: str
    salesperson_email: str
    salesperson_phone: str
    message: str
    created_at: str


class NotificationRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def put_once(self, notification: SalespersonNotification) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"NOTIFY#{notification.insurer_id}"},
                    "sk": {"S": f"CLAIM#{notification.risk_event_id}"},
                    "entity": {"S": "salesperson-notification"},
                    "data": {"S": notification.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def for_insurer(self, insurer_id: str) -> list[SalespersonNotification]:
        items = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": f"NOTIFY#{insurer_id}"}},
            ConsistentRead=True,
        ).get("Items", [])
        return [SalespersonNotification.model_validate_json(i["data"]["S"]) for i in items]


@cache
def repository() -> NotificationRepository:
    from insure.aws import client
    from insure.settings import get_settings

    return NotificationRepository(client("dynamodb"), get_settings().table_name)


def notify_salesperson(
    insurer: Insurer, *, risk_event_id: str, claim_reference: str, policy_number: str, at: str
) -> bool:
    """Records (once) and logs the notification; False when it was already sent."""
    person = insurer.salesperson
    notification = SalespersonNotification(
        insurer_id=insurer.insurer_id,
        risk_event_id=risk_event_id,
        claim_reference=claim_reference,
        policy_number=policy_number,
        salesperson_name=person.name,
        salesperson_email=person.email,
        salesperson_phone=person.phone,
        message=(
            f"{person.name}: a claim ({claim_reference}) was filed with {insurer.name} on policy {policy_number} "
            f"for risk event {risk_event_id}."
        ),
        created_at=at,
    )
    created = repository().put_once(notification)
    if created:
        log.info(
            "salesperson notified",
            extra={
                "insurer_id": insurer.insurer_id,
                "salesperson_email": person.email,
                "risk_event_id": risk_event_id,
                "claim_reference": claim_reference,
            },
        )
    return created


def notifications_for(insurer_id: str) -> list[SalespersonNotification]:
    """The notifications sent to an insurer's salesperson."""
    return repository().for_insurer(insurer_id)
