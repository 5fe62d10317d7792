"""Customer accounts in the single table (the only code that knows their wire format).

- `CUSTOMER#<id>` / `ACCOUNT`: e-mail, password hash, current profile version, failed logins and lock (`rev` guards
  read-modify-write); `/ VERSION#<nnnn>`: one item per version of the customer record (never overwritten);
  `/ EVENT#<at>#<n>`: security events (locked, unlocked, password changed); `/ SESSION#<hash>`: the sessions whose
  applications and policies are the customer's; `/ LOGIN#<family>`: a login (refresh token family), revocable.
- `EMAIL#<email>` / `ACCOUNT`: the customer of an e-mail (unique).
- `SESSIONOWNER#<hash>` / `CUSTOMER`: the customer a session's application and policy belong to (no expiry).
Tokens, logins, reset codes and failed sign-ins: `insure.accounts.credential_repository`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from insure.accounts.credential_repository import CredentialRepository, _n, _s
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


class AccountRepository(CredentialRepository):
    """Accounts, their e-mails, sessions, versions and events (tokens, logins, reset codes: `CredentialRepository`)."""

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
                    "linked_ns": _n(time.time_ns()),  # `at` is to the second: this orders links of one second
                },
                new=False,
            )
        return claimed

    def owner_of_session(self, session_hash: str) -> str | None:
        found = self._get(f"SESSIONOWNER#{session_hash}", "CUSTOMER")
        return found["customer_id"]["S"] if found else None

    def session_hashes_of(self, customer_id: str) -> list[str]:
        return [i["sk"]["S"].removeprefix("SESSION#") for i in self._query(f"CUSTOMER#{customer_id}", "SESSION#")]

    def applications_of(self, customer_id: str) -> list[str]:
        """The application ids of the customer's sessions, in the order they were linked."""
        items = self._query(f"CUSTOMER#{customer_id}", "SESSION#")
        return [i["application_id"]["S"] for i in sorted(items, key=_linked)]

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

        # `at` is to the second: the nanoseconds keep events of one second in the order they happened
        self._put(
            {
                "pk": _s(f"CUSTOMER#{customer_id}"),
                "sk": _s(f"EVENT#{at}#{time.time_ns():020d}{secrets.token_hex(4)}"),
                "entity": _s("customer_event"),
                "data": _s(json.dumps({"at": at, **event}, separators=(",", ":"))),
            }
        )

    def events(self, customer_id: str) -> list[dict[str, Any]]:
        return [json.loads(i["data"]["S"]) for i in self._query(f"CUSTOMER#{customer_id}", "EVENT#")]


def _linked(item: dict[str, Any]) -> tuple[str, int]:
    """When a session was linked (links stored before `linked_ns` existed sort by their time alone)."""
    return item["linked_at"]["S"], int(item.get("linked_ns", {}).get("N", "0"))
