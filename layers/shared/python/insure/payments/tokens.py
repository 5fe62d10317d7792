"""Processor tokens held for a payment: bound to what they pay (an application, and so its session, or a policy
amendment) and passed to the workflow by reference only.

A token is bound at tokenization when its creator named what it is for: the web client sends the application id
as the processor's `client_reference` (the platform does the same when it tokenizes a `card` itself, with the
application or amendment id), and the processor hands that reference back with the token. Such a token pays only
what it names; presented for anything else it is refused with `TokenOfAnotherSession` (422) before anything is
held or charged, whoever presents it first. A token without a reference (made by another API client that did not
name one) is bound by first use instead: the first application or amendment to present it holds it.

A token is held at `pk = PAYTOKEN#<sha256(token)>`, `sk = PAYTOKEN`, naming its holder (the attribute
`application_id`: an application id or an amendment id), with brand and last four, kept until a while after the
session ends (`expires_at_epoch`, the table's TTL). The holder may present it again (a retry after a decline);
anything else gets `TokenOfAnotherSession`. The workflow carries the record's reference (the hash), never the
token: the charge task reads the token back with `token_for`, which checks that the reference belongs to the
application or amendment being charged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from insure.errors import FieldError, RuleViolation
from insure.payments.processor import CardToken

KEEP_AFTER_SESSION_S = 7 * 24 * 3600


class TokenOfAnotherSession(RuleViolation):
    """The payment token was created for, or first presented by, another application or amendment."""

    def __init__(self) -> None:
        message = (
            "This payment token belongs to another session (it was created for, or first used by, another "
            "application or amendment); tokenize the card again for this payment."
        )
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

    def hold(self, holder: str, token: CardToken, *, session_expires_at_epoch: int) -> str:
        """Binds `token` to `holder` (an application or amendment id) and returns its reference; refused when the
        token was created for something else or another holder presented it first."""
        if token.client_reference is not None and token.client_reference != holder:
            raise TokenOfAnotherSession()
        reference = reference_of(token.token)
        db = self._db()
        try:
            db.put_item(
                TableName=self.table,
                Item={
                    **self._key(reference),
                    "entity": {"S": "payment-token"},
                    "application_id": {"S": holder},
                    "token": {"S": token.token},
                    "brand": {"S": token.brand},
                    "last4": {"S": token.last4},
                    "expires_at_epoch": {"N": str(session_expires_at_epoch + KEEP_AFTER_SESSION_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR application_id = :app",
                ExpressionAttributeValues={":app": {"S": holder}},
            )
        except db.exceptions.ConditionalCheckFailedException:
            raise TokenOfAnotherSession() from None
        return reference

    def token_for(self, reference: str, holder: str) -> str:
        """The processor token held under `reference` for `holder` (an application or amendment id)."""
        item = self._db().get_item(TableName=self.table, Key=self._key(reference), ConsistentRead=True).get("Item")
        if item is None or item["application_id"]["S"] != holder:
            raise UnknownTokenReference(f"No payment token {reference[:12]}… held for {holder}.")
        token: str = item["token"]["S"]
        return token
