"""Processor tokens held for a payment: bound to the application (and so the session) that first presents them,
and passed to the issuance workflow by reference only.

A token is held at `pk = PAYTOKEN#<sha256(token)>`, `sk = PAYTOKEN`, naming its application, with brand and last
four, kept until a while after the application's session ends (`expires_at_epoch`, the table's TTL). The first
application to present a token binds it (a conditional put); the same application may present it again (a retry
after a decline); another application gets `TokenOfAnotherSession` (422), whoever tokenized the card. The workflow
carries the record's reference (the hash), never the token: the charge task reads the token back with
`token_for`, which checks that the reference belongs to the application being charged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from insure.errors import FieldError, RuleViolation
from insure.payments.processor import CardToken

KEEP_AFTER_SESSION_S = 7 * 24 * 3600


class TokenOfAnotherSession(RuleViolation):
    """The payment token was presented by another application first: it is not this session's to use."""

    def __init__(self) -> None:
        message = "This payment token belongs to another session; tokenize the card again for this application."
        super().__init__(message, errors=[FieldError("payment_token", message)])


class UnknownTokenReference(Exception):
    """The workflow named a token record that does not exist or belongs to another application."""


def reference_of(token: str) -> str:
    """The reference a held token travels under (the SHA-256 of the token)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class TokenStore:
    """Held processor tokens in the single table."""

    table: str
    dynamodb: Any = None

    def _db(self) -> Any:
        if self.dynamodb is None:
            from insure.aws import client

            self.dynamodb = client("dynamodb")
        return self.dynamodb

    @staticmethod
    def _key(reference: str) -> dict[str, Any]:
        return {"pk": {"S": f"PAYTOKEN#{reference}"}, "sk": {"S": "PAYTOKEN"}}

    def hold(self, application_id: str, token: CardToken, *, session_expires_at_epoch: int) -> str:
        """Binds `token` to the application (unless another one holds it) and returns its reference."""
        reference = reference_of(token.token)
        db = self._db()
        try:
            db.put_item(
                TableName=self.table,
                Item={
                    **self._key(reference),
                    "entity": {"S": "payment-token"},
                    "application_id": {"S": application_id},
                    "token": {"S": token.token},
                    "brand": {"S": token.brand},
                    "last4": {"S": token.last4},
                    "expires_at_epoch": {"N": str(session_expires_at_epoch + KEEP_AFTER_SESSION_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR application_id = :app",
                ExpressionAttributeValues={":app": {"S": application_id}},
            )
        except db.exceptions.ConditionalCheckFailedException:
            raise TokenOfAnotherSession() from None
        return reference

    def token_for(self, reference: str, application_id: str) -> str:
        """The processor token held under `reference` for `application_id`."""
        item = self._db().get_item(TableName=self.table, Key=self._key(reference), ConsistentRead=True).get("Item")
        if item is None or item["application_id"]["S"] != application_id:
            raise UnknownTokenReference(f"No payment token {reference[:12]}… held for {application_id}.")
        token: str = item["token"]["S"]
        return token
