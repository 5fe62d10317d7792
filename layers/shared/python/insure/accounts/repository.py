"""Customer accounts in the single table (the only code that knows their wire format).

- `CUSTOMER#<id>` / `ACCOUNT`: e-mail, password hash, current profile version, failed logins and lock (`rev` guards
  read-modify-write); `/ VERSION#<nnnn>`: one item per version of the customer record (never overwritten);
  `/ EVENT#<at>#<n>`: security events (locked, unlocked, password changed); `/ SESSION#<hash>`: the sessions whose
  applications and policies are the customer's; `/ LOGIN#<family>`: a login (refresh token family), revocable.
- `EMAIL#<email>` / `ACCOUNT`: the customer of an e-mail (unique).
- `SESSIONOWNER#<hash>` / `CUSTOMER`: the customer a session's application and policy belong to (no expiry).
- `ACCESS#<sha256>` and `REFRESH#<sha256>` / `TOKEN`: tokens, stored hashed, with a TTL.
- `RESETCODE#<id>` / `CODE`: the customer's current password reset code (hashed, attempts counted, TTL).
- `LOGINFAIL#<sha256(email)>` / `STATE`: failed logins for an e-mail that has no account, counted like an account's
  so that lockout cannot tell them apart; `THROTTLE#<source>` / `WINDOW#<n>`: failures per source per window."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from insure.accounts.lockout import LoginState
from insure.errors import Conflict


@dataclass(frozen=True)
class Account:
    customer_id: str
    email: str
    password_hash: str
    version: int
    rev: int
    login: LoginState
    created_at: str


@dataclass(frozen=True)
class CustomerVersion:
    version: int
    effective_at: str
    made_by: dict[str, str]
    change: str
    changes: dict[str, Any]
    profile: dict[str, Any]


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


class AccountRepository:
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

    # -- e-mail and sessions ----------------------------------------------------------------------------------
    def claim_email(self, email: str, customer_id: str) -> bool:
        return self._put({"pk": _s(f"EMAIL#{email}"), "sk": _s("ACCOUNT"), "customer_id": _s(customer_id)})

    def release_email(self, email: str) -> None:
        self._delete(f"EMAIL#{email}", "ACCOUNT")

    def customer_of_email(self, email: str) -> str | None:
        found = self._get(f"EMAIL#{email}", "ACCOUNT")
        return found["customer_id"]["S"] if found else None

    def link_session(self, customer_id: str, session_hash: str, application_id: str, at: str) -> bool:
        """Make a session's application (and its policy) the customer's; False when it is already someone's."""
        claimed = self._put(
            {
                "pk": _s(f"SESSIONOWNER#{session_hash}"),
                "sk": _s("CUSTOMER"),
                "customer_id": _s(customer_id),
                "application_id": _s(application_id),
            }
        )
        if claimed:
            self._put(
                {
                    "pk": _s(f"CUSTOMER#{customer_id}"),
                    "sk": _s(f"SESSION#{session_hash}"),
                    "application_id": _s(application_id),
                    "linked_at": _s(at),
                },
                new=False,
            )
        return claimed

    def unlink_session(self, session_hash: str) -> None:
        self._delete(f"SESSIONOWNER#{session_hash}", "CUSTOMER")

    def owner_of_session(self, session_hash: str) -> str | None:
        found = self._get(f"SESSIONOWNER#{session_hash}", "CUSTOMER")
        return found["customer_id"]["S"] if found else None

    def session_hashes_of(self, customer_id: str) -> list[str]:
        return [i["sk"]["S"].removeprefix("SESSION#") for i in self._query(f"CUSTOMER#{customer_id}", "SESSION#")]

    def applications_of(self, customer_id: str) -> list[str]:
        """The application ids of the customer's sessions, in the order they were linked."""
        items = self._query(f"CUSTOMER#{customer_id}", "SESSION#")
        return [i["application_id"]["S"] for i in sorted(items, key=lambda i: i["linked_at"]["S"])]

    # -- the account and its versions ---------------------------------------------------------------------------
    def create(self, account: Account, first: CustomerVersion) -> None:
        if not self._put(self._version_item(account.customer_id, first)):
            raise Conflict("This customer record already exists.")
        self._put(
            {
                "pk": _s(f"CUSTOMER#{account.customer_id}"),
                "sk": _s("ACCOUNT"),
                "entity": _s("customer_account"),
                "customer_id": _s(account.customer_id),
                "email": _s(account.email),
                "password_hash": _s(account.password_hash),
                "version": _n(account.version),
                "rev": _n(account.rev),
                "failed_logins": _n(0),
                "locked_until": _n(0),
                "last_failed_at": _n(0),
                "locks": _n(0),
                "created_at": _s(account.created_at),
            }
        )

    def get(self, customer_id: str) -> Account | None:
        item = self._get(f"CUSTOMER#{customer_id}", "ACCOUNT")
        if item is None:
            return None
        return Account(
            customer_id=customer_id,
            email=item["email"]["S"],
            password_hash=item["password_hash"]["S"],
            version=int(item["version"]["N"]),
            rev=int(item["rev"]["N"]),
            login=LoginState(
                failures=int(item["failed_logins"]["N"]),
                locked_until=float(item["locked_until"]["N"]),
                last_failure_at=float(item["last_failed_at"]["N"]),
                locks=int(item["locks"]["N"]),
            ),
            created_at=item["created_at"]["S"],
        )

    def update(self, account: Account, **changes: Any) -> None:
        """Write `changes` (email, password_hash, version, login) if nobody changed the account since it was read
        (`Conflict` otherwise); `rev` moves on."""
        from botocore.exceptions import ClientError

        values: dict[str, Any] = {":rev": _n(account.rev), ":one": _n(1)}
        fields: dict[str, dict[str, str]] = {}
        for name in ("email", "password_hash"):
            if name in changes:
                fields[name] = _s(changes[name])
        if "version" in changes:
            fields["version"] = _n(changes["version"])
        if "login" in changes:
            state: LoginState = changes["login"]
            fields.update(
                {
                    "failed_logins": _n(state.failures),
                    "locked_until": _n(state.locked_until),
                    "last_failed_at": _n(state.last_failure_at),
                    "locks": _n(state.locks),
                }
            )
        names = {"#rev": "rev"}
        sets = []
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = value
            sets.append(f"#f{index} = :f{index}")
        expression = ("SET " + ", ".join(sets) + " " if sets else "") + "ADD #rev :one"
        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key={"pk": _s(f"CUSTOMER#{account.customer_id}"), "sk": _s("ACCOUNT")},
                UpdateExpression=expression,
                ConditionExpression="#rev = :rev",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("The customer record changed meanwhile; try again.") from None
            raise

    @staticmethod
    def _version_item(customer_id: str, version: CustomerVersion) -> dict[str, Any]:
        return {
            "pk": _s(f"CUSTOMER#{customer_id}"),
            "sk": _s(f"VERSION#{version.version:04d}"),
            "entity": _s("customer_version"),
            "data": _s(
                json.dumps(
                    {
                        "version": version.version,
                        "effective_at": version.effective_at,
                        "made_by": version.made_by,
                        "change": version.change,
                        "changes": version.changes,
                        "profile": version.profile,
                    },
                    separators=(",", ":"),
                )
            ),
        }

    def add_version(self, customer_id: str, version: CustomerVersion) -> bool:
        """Store a new version; False when that number exists (someone else changed the record first)."""
        return self._put(self._version_item(customer_id, version))

    def versions(self, customer_id: str) -> list[CustomerVersion]:
        items = self._query(f"CUSTOMER#{customer_id}", "VERSION#")
        return [CustomerVersion(**json.loads(i["data"]["S"])) for i in items]

    def version(self, customer_id: str, number: int) -> CustomerVersion | None:
        item = self._get(f"CUSTOMER#{customer_id}", f"VERSION#{number:04d}")
        return CustomerVersion(**json.loads(item["data"]["S"])) if item else None

    def add_event(self, customer_id: str, at: str, event: dict[str, Any]) -> None:
        import secrets

        self._put(
            {
                "pk": _s(f"CUSTOMER#{customer_id}"),
                "sk": _s(f"EVENT#{at}#{secrets.token_hex(4)}"),
                "entity": _s("customer_event"),
                "data": _s(json.dumps({"at": at, **event}, separators=(",", ":"))),
            }
        )

    def events(self, customer_id: str) -> list[dict[str, Any]]:
        return [json.loads(i["data"]["S"]) for i in self._query(f"CUSTOMER#{customer_id}", "EVENT#")]

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
