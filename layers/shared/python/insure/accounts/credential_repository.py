"""What signing in stores, in the single table (the only code that knows its wire format), and the table access
every account item goes through (`AccountRepository` derives from `CredentialRepository`).

- `ACCESS#<sha256>` and `REFRESH#<sha256>` / `TOKEN`: tokens, stored hashed, with a TTL.
- `CUSTOMER#<id>` / `LOGIN#<family>`: a login (refresh token family), revocable.
- `RESETCODE#<id>` / `CODE`: the customer's current password reset code (hashed, attempts counted, TTL).
- `LOGINFAIL#<sha256(email)>` / `STATE`: failed logins for an e-mail that has no account, counted like an account's
  so that lockout cannot tell them apart; `THROTTLE#<source>` / `WINDOW#<n>`: failures per source per window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insure.accounts.lockout import LoginState
from insure.errors import Conflict


@dataclass(frozen=True)
class Token:
    customer_id: str
    family: str
    expires_at_epoch: int
    used: bool = False


@dataclass(frozen=True)
class ResetCode:
    code_hash: str
    expires_at_epoch: int
    attempts: int
    issued_at_epoch: int


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": str(value)}


class CredentialRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _dynamodb() -> Any:
        from insure.aws import client

        return client("dynamodb")

    def _put(self, item: dict[str, Any], *, new: bool = True) -> bool:
        """Put `item`; with `new`, only if absent (False when it exists)."""
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"} if new else {}
        try:
            self._dynamodb().put_item(TableName=self.table, Item=item, **kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = (
            self._dynamodb()
            .get_item(TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
            .get("Item")
        )
        return found if found else None

    def _delete(self, pk: str, sk: str) -> None:
        self._dynamodb().delete_item(TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)})

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": _s(pk), ":prefix": _s(prefix)},
            "ConsistentRead": True,
        }
        while True:
            page = self._dynamodb().query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- tokens and logins ------------------------------------------------------------------------------------
    def put_token(self, kind: str, hashed: str, token: Token) -> None:
        self._put(
            {
                "pk": _s(f"{kind}#{hashed}"),
                "sk": _s("TOKEN"),
                "customer_id": _s(token.customer_id),
                "family": _s(token.family),
                "expires_at_epoch": _n(token.expires_at_epoch),
                "used": {"BOOL": False},
            }
        )

    def token(self, kind: str, hashed: str) -> Token | None:
        item = self._get(f"{kind}#{hashed}", "TOKEN")
        if item is None:
            return None
        return Token(
            customer_id=item["customer_id"]["S"],
            family=item["family"]["S"],
            expires_at_epoch=int(item["expires_at_epoch"]["N"]),
            used=item.get("used", {"BOOL": False})["BOOL"],
        )

    def use_token(self, kind: str, hashed: str) -> bool:
        """Mark a token used, once: False when it already was (a replayed refresh token)."""
        from botocore.exceptions import ClientError

        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key={"pk": _s(f"{kind}#{hashed}"), "sk": _s("TOKEN")},
                UpdateExpression="SET #used = :yes",
                ConditionExpression="attribute_exists(pk) AND #used = :no",
                ExpressionAttributeNames={"#used": "used"},
                ExpressionAttributeValues={":yes": {"BOOL": True}, ":no": {"BOOL": False}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete_token(self, kind: str, hashed: str) -> None:
        self._delete(f"{kind}#{hashed}", "TOKEN")

    def start_login(self, customer_id: str, family: str, at: str) -> None:
        self._put(
            {
                "pk": _s(f"CUSTOMER#{customer_id}"),
                "sk": _s(f"LOGIN#{family}"),
                "started_at": _s(at),
                "revoked": {"BOOL": False},
            }
        )

    def login_live(self, customer_id: str, family: str) -> bool:
        item = self._get(f"CUSTOMER#{customer_id}", f"LOGIN#{family}")
        return item is not None and not item["revoked"]["BOOL"]

    def revoke_login(self, customer_id: str, family: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key={"pk": _s(f"CUSTOMER#{customer_id}"), "sk": _s(f"LOGIN#{family}")},
                UpdateExpression="SET #revoked = :yes",
                ExpressionAttributeNames={"#revoked": "revoked"},
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def revoke_all_logins(self, customer_id: str) -> None:
        for item in self._query(f"CUSTOMER#{customer_id}", "LOGIN#"):
            if not item["revoked"]["BOOL"]:
                self.revoke_login(customer_id, item["sk"]["S"].removeprefix("LOGIN#"))

    # -- password reset codes ---------------------------------------------------------------------------------
    def put_reset_code(self, customer_id: str, code: ResetCode) -> None:
        self._put(
            {
                "pk": _s(f"RESETCODE#{customer_id}"),
                "sk": _s("CODE"),
                "code_hash": _s(code.code_hash),
                "expires_at_epoch": _n(code.expires_at_epoch),
                "issued_at_epoch": _n(code.issued_at_epoch),
                "attempts": _n(0),
            },
            new=False,
        )

    def reset_code(self, customer_id: str) -> ResetCode | None:
        item = self._get(f"RESETCODE#{customer_id}", "CODE")
        if item is None:
            return None
        return ResetCode(
            code_hash=item["code_hash"]["S"],
            expires_at_epoch=int(item["expires_at_epoch"]["N"]),
            attempts=int(item["attempts"]["N"]),
            issued_at_epoch=int(item["issued_at_epoch"]["N"]),
        )

    def count_reset_attempt(self, customer_id: str, code_hash: str) -> int | None:
        """Count an attempt against the code that is still `code_hash`; its attempts so far, None if it is gone."""
        from botocore.exceptions import ClientError

        try:
            result = self._dynamodb().update_item(
                TableName=self.table,
                Key={"pk": _s(f"RESETCODE#{customer_id}"), "sk": _s("CODE")},
                UpdateExpression="ADD #attempts :one",
                ExpressionAttributeNames={"#attempts": "attempts"},
                ConditionExpression="code_hash = :hash",
                ExpressionAttributeValues={":one": _n(1), ":hash": _s(code_hash)},
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return int(result["Attributes"]["attempts"]["N"])

    def consume_reset_code(self, customer_id: str, code_hash: str) -> bool:
        """Delete the code if it is still `code_hash` (single use); False when another request used it first."""
        from botocore.exceptions import ClientError

        try:
            self._dynamodb().delete_item(
                TableName=self.table,
                Key={"pk": _s(f"RESETCODE#{customer_id}"), "sk": _s("CODE")},
                ConditionExpression="code_hash = :hash",
                ExpressionAttributeValues={":hash": _s(code_hash)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- failed logins without an account, and per source --------------------------------------------------------
    def unknown_login_state(self, email_hash: str) -> tuple[LoginState, int]:
        item = self._get(f"LOGINFAIL#{email_hash}", "STATE")
        if item is None:
            return LoginState(), 0
        state = LoginState(
            failures=int(item["failed_logins"]["N"]),
            locked_until=float(item["locked_until"]["N"]),
            last_failure_at=float(item["last_failed_at"]["N"]),
            locks=int(item["locks"]["N"]),
        )
        return state, int(item["rev"]["N"])

    def put_unknown_login_state(self, email_hash: str, state: LoginState, rev: int, expires_at_epoch: int) -> None:
        from botocore.exceptions import ClientError

        condition = "attribute_not_exists(pk)" if rev == 0 else "rev = :rev"
        values = {":rev": _n(rev)} if rev else {}
        try:
            self._dynamodb().put_item(
                TableName=self.table,
                Item={
                    "pk": _s(f"LOGINFAIL#{email_hash}"),
                    "sk": _s("STATE"),
                    "failed_logins": _n(state.failures),
                    "locked_until": _n(state.locked_until),
                    "last_failed_at": _n(state.last_failure_at),
                    "locks": _n(state.locks),
                    "rev": _n(rev + 1),
                    "expires_at_epoch": _n(expires_at_epoch),
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("Concurrent login attempts; try again.") from None
            raise

    def source_failures(self, source: str, window: int) -> int:
        item = self._get(f"THROTTLE#{source}", f"WINDOW#{window}")
        return int(item["failures"]["N"]) if item else 0

    def count_source_failure(self, source: str, window: int, expires_at_epoch: int) -> None:
        self._dynamodb().update_item(
            TableName=self.table,
            Key={"pk": _s(f"THROTTLE#{source}"), "sk": _s(f"WINDOW#{window}")},
            UpdateExpression="ADD #failures :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#failures": "failures", "#ttl": "expires_at_epoch"},
            ExpressionAttributeValues={":one": _n(1), ":ttl": _n(expires_at_epoch)},
        )
