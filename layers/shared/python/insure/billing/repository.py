"""Billing in the single table, in the policy's partition `POLICY#<number>`:
- `BILLING`: the policy's billing account: the plan, the card kept at the processor (customer and payment method
  ids, brand, last four: never the number), whom to tell (e-mail, name); indexed by the day its renewal is due
  (`gsi1pk = RENEWAL_DUE#<shard>`, `gsi1sk = <date>#<policy>`) while the term runs;
- `INSTALLMENT#<term>#<nn>`: one item per installment of a term: its due date and amount, `status` (`scheduled`,
  `failed` while retries remain, `paid`, `cancelled`, `lapsed`), `attempts` started and `settled` (finished),
  the processor's order id and authorization id once paid, the last decline; indexed while it is owed by the day
  it is next tried (`gsi1pk = BILLING_DUE#<shard>`, `gsi1sk = <date>#<policy>#<term>#<nn>`), a sparse index the
  billing run reads. Shards spread the index over partitions.

Charging an installment is claimed first with a conditional write on its counters, so two runs at once (or a run
retried after a crash) charge it once: an attempt is started (`attempts` + 1) only when every earlier one is
settled, an unsettled attempt whose lease ran out is taken over under the same number (and so the same processor
idempotency key), and an attempt is settled only by the run that holds it."""

from __future__ import annotations

import hashlib
from typing import Any

from insure.billing.records import OWED, BillingAccount, InstallmentRecord, Lost

SHARDS = 8
DUE = "BILLING_DUE"
RENEWAL_DUE = "RENEWAL_DUE"


def shard_of(policy_number: str) -> int:
    return int(hashlib.sha256(policy_number.encode()).hexdigest()[:4], 16) % SHARDS


def _key(policy_number: str, sort_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"POLICY#{policy_number}"}, "sk": {"S": sort_key}}


_S = ("due_date", "amount", "status", "next_attempt_on", "processor_order_id", "authorization_id", "paid_at", "fee")
_S2 = ("last_decline_code", "last_decline_message")
_N = ("term", "installment", "attempts", "settled", "lease_until")


def _encode_installment(record: InstallmentRecord) -> dict[str, Any]:
    import json

    item: dict[str, Any] = {
        **_key(record.policy_number, record.sort_key),
        "entity": {"S": "installment"},
        "policy_number": {"S": record.policy_number},
        "history": {"S": json.dumps(record.history)},
        "adjustments": {"S": json.dumps(record.adjustments)},
    }
    for name in _S + _S2:
        value = getattr(record, name)
        if value is not None:
            item[name] = {"S": str(value)}
    for name in _N:
        item[name] = {"N": str(getattr(record, name))}
    if record.status in OWED and record.next_attempt_on:
        item["gsi1pk"] = {"S": f"{DUE}#{shard_of(record.policy_number)}"}
        item["gsi1sk"] = {"S": _due_sort(record)}
    return item


def _due_sort(record: InstallmentRecord, on: str | None = None) -> str:
    return f"{on or record.next_attempt_on}#{record.policy_number}#{record.term:02d}#{record.installment:02d}"


def _decode_installment(item: dict[str, Any]) -> InstallmentRecord:
    import json

    values: dict[str, Any] = {"policy_number": item["policy_number"]["S"]}
    for name in _S + _S2:
        if name in item:
            values[name] = item[name]["S"]
    for name in _N:
        if name in item:
            values[name] = int(item[name]["N"])
    values["history"] = json.loads(item["history"]["S"]) if "history" in item else []
    values["adjustments"] = json.loads(item["adjustments"]["S"]) if "adjustments" in item else {}
    return InstallmentRecord(**values)


def _decode_account(policy_number: str, item: dict[str, Any]) -> BillingAccount:
    import json

    return BillingAccount(
        policy_number=policy_number,
        plan=item["plan"]["S"],
        customer_id=item.get("customer_id", {}).get("S"),
        payment_method_id=item.get("payment_method_id", {}).get("S"),
        brand=item.get("brand", {}).get("S", ""),
        last4=item.get("last4", {}).get("S", ""),
        email=item.get("email", {}).get("S", ""),
        name=item.get("name", {}).get("S", ""),
        term=int(item.get("term", {}).get("N", "1")),
        renewal_on=item.get("renewal_on", {}).get("S"),
        renewal=json.loads(item["renewal"]["S"]) if "renewal" in item else None,
    )


class BillingRepository:
    def __init__(self, table: str, dynamodb: Any = None) -> None:
        self.table = table
        self._client = dynamodb

    def _dynamodb(self) -> Any:
        if self._client is None:
            from insure.aws import client

            self._client = client("dynamodb")
        return self._client

    # -- the account -------------------------------------------------------------------------------------------
    def open_account(self, account: BillingAccount, installments: list[InstallmentRecord]) -> None:
        """Keep the account and the term's installments (no-ops for what a retried issuance already kept)."""
        self.put_account(account, only_new=True)
        for record in installments:
            self.put_installment(record, only_new=True)

    def put_account(self, account: BillingAccount, *, only_new: bool = False) -> None:
        import json

        item: dict[str, Any] = {
            **_key(account.policy_number, "BILLING"),
            "entity": {"S": "billing_account"},
            "policy_number": {"S": account.policy_number},
            "plan": {"S": account.plan},
            "brand": {"S": account.brand},
            "last4": {"S": account.last4},
            "email": {"S": account.email},
            "name": {"S": account.name},
            "term": {"N": str(account.term)},
        }
        if account.customer_id and account.payment_method_id:
            item["customer_id"] = {"S": account.customer_id}
            item["payment_method_id"] = {"S": account.payment_method_id}
        if account.renewal is not None:
            item["renewal"] = {"S": json.dumps(account.renewal)}
        if account.renewal_on:
            item["renewal_on"] = {"S": account.renewal_on}
            item["gsi1pk"] = {"S": f"{RENEWAL_DUE}#{shard_of(account.policy_number)}"}
            item["gsi1sk"] = {"S": f"{account.renewal_on}#{account.policy_number}"}
        self._put(item, only_new=only_new)

    def account(self, policy_number: str) -> BillingAccount | None:
        item = (
            self._dynamodb()
            .get_item(TableName=self.table, Key=_key(policy_number, "BILLING"), ConsistentRead=True)
            .get("Item")
        )
        return _decode_account(policy_number, item) if item else None

    def accounts(self, policy_numbers: list[str]) -> dict[str, BillingAccount]:
        """The billing accounts of many policies by policy number (consistent reads, 100 keys a call: a run reads
        a batch of policies' accounts at once rather than one call each); a policy without one is left out."""
        import time

        found: dict[str, BillingAccount] = {}
        numbers = list(dict.fromkeys(policy_numbers))
        for start in range(0, len(numbers), 100):
            keys = [_key(n, "BILLING") for n in numbers[start : start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            for pause in (0.0, 0.05, 0.1, 0.2, 0.4, 0.8):
                time.sleep(pause)
                answer = self._dynamodb().batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    found[item["policy_number"]["S"]] = _decode_account(item["policy_number"]["S"], item)
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            for key in (request.get(self.table) or {}).get("Keys", []):  # still throttled: one at a time
                number = key["pk"]["S"].removeprefix("POLICY#")
                account = self.account(number)
                if account is not None:
                    found[number] = account
        return found

    def keep_card(self, policy_number: str, customer_id: str, payment_method_id: str, brand: str, last4: str) -> None:
        """The card kept at the processor for the policy's later charges is now this one (the rest of the account
        as it stands)."""
        self._dynamodb().update_item(
            TableName=self.table,
            Key=_key(policy_number, "BILLING"),
            UpdateExpression="SET customer_id = :customer, payment_method_id = :method, brand = :brand, last4 = :last4",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":customer": {"S": customer_id},
                ":method": {"S": payment_method_id},
                ":brand": {"S": brand},
                ":last4": {"S": last4},
            },
        )

    def renewals_due(self, on_or_before: str) -> list[BillingAccount]:
        """The accounts whose renewal (offer, or expiry of an unrenewed term) is due on or before that day."""
        found: list[BillingAccount] = []
        for item in self._indexed(RENEWAL_DUE, on_or_before):
            account = self.account(item["policy_number"]["S"])  # consistent, whole
            if account is not None and account.renewal_on and account.renewal_on <= on_or_before:
                found.append(account)
        return found

    def _indexed(self, index: str, on_or_before: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The items of the sparse index `index` (every shard, read side by side: a run's first step waits for one
        round trip, not one per shard) due on or before the day `on_or_before`, shard by shard; with a `limit`,
        each shard's reading stops once that many were found."""
        from concurrent.futures import ThreadPoolExecutor

        def shard_items(shard: int) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            request: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": "gsi1",
                "KeyConditionExpression": "gsi1pk = :p AND gsi1sk < :until",
                "ExpressionAttributeValues": {":p": {"S": f"{index}#{shard}"}, ":until": {"S": f"{on_or_before}#~"}},
            }
            while True:
                page = dynamodb.query(**request)
                found += page.get("Items", [])
                if "LastEvaluatedKey" not in page or (limit and len(found) >= limit):
                    return found
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        dynamodb = self._dynamodb()  # botocore clients are thread-safe
        with ThreadPoolExecutor(max_workers=SHARDS, thread_name_prefix="shard") as pool:
            return [item for items in pool.map(shard_items, range(SHARDS)) for item in items]

    # -- installments ------------------------------------------------------------------------------------------
    def put_installment(self, record: InstallmentRecord, *, only_new: bool = False) -> None:
        self._put(_encode_installment(record), only_new=only_new)

    def _put(self, item: dict[str, Any], *, only_new: bool) -> None:
        """Write `item`; `only_new`: only where nothing is yet (a no-op for what a retry already wrote)."""
        from botocore.exceptions import ClientError

        try:
            self._dynamodb().put_item(
                TableName=self.table,
                Item=item,
                **({"ConditionExpression": "attribute_not_exists(pk)"} if only_new else {}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def installments(self, policy_number: str) -> list[InstallmentRecord]:
        """Every installment of the policy, term by term, in order."""
        result = self._dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"POLICY#{policy_number}"}, ":prefix": {"S": "INSTALLMENT#"}},
            ConsistentRead=True,
        )
        return [_decode_installment(item) for item in result.get("Items", [])]

    def due(self, on_or_before: str, *, limit: int | None = None) -> list[InstallmentRecord]:
        """The installments owed whose next try is on or before the day `on_or_before` (every shard)."""
        found = [_decode_installment(item) for item in self._indexed(DUE, on_or_before, limit=limit)]
        found.sort(key=_due_sort)
        return found[:limit] if limit else found

    def start_attempt(self, record: InstallmentRecord, *, today: str, now: int, lease_s: int) -> int:
        """Claim the next attempt of `record` (as read) for this run; its number. Raises Lost when another run
        started, holds or settled it first, or when it is no longer owed today."""
        if record.attempts > record.settled and record.lease_until > now:
            raise Lost("another run holds this attempt")
        takeover = record.attempts > record.settled
        attempt = record.attempts if takeover else record.attempts + 1
        self._update(
            record,
            "SET attempts = :attempt, lease_until = :lease",
            "attempts = :before AND settled = :settled AND #status IN (:scheduled, :failed) "
            "AND next_attempt_on <= :today AND lease_until <= :now",
            {
                ":attempt": {"N": str(attempt)},
                ":lease": {"N": str(now + lease_s)},
                ":before": {"N": str(record.attempts)},
                ":settled": {"N": str(record.settled)},
                ":scheduled": {"S": "scheduled"},
                ":failed": {"S": "failed"},
                ":today": {"S": today},
                ":now": {"N": str(now)},
            },
        )
        record.attempts, record.lease_until = attempt, now + lease_s
        return attempt

    def settle_paid(
        self, record: InstallmentRecord, attempt: int, *, order_id: str, authorization_id: str | None, at: str
    ) -> None:
        self._settle(
            record,
            attempt,
            {"attempt": attempt, "at": at, "outcome": "paid", "order_id": order_id},
            "#status = :paid, processor_order_id = :order, authorization_id = :auth, paid_at = :at "
            "REMOVE next_attempt_on, gsi1pk, gsi1sk",
            {
                ":paid": {"S": "paid"},
                ":order": {"S": order_id},
                ":auth": {"S": authorization_id or ""},
                ":at": {"S": at},
            },
        )
        record.status = "paid"
        record.processor_order_id, record.authorization_id, record.paid_at = order_id, authorization_id, at
        record.next_attempt_on = None

    def settle_failed(
        self,
        record: InstallmentRecord,
        attempt: int,
        *,
        order_id: str,
        code: str | None,
        message: str | None,
        at: str,
        next_attempt_on: str,
    ) -> None:
        self._settle(
            record,
            attempt,
            {"attempt": attempt, "at": at, "outcome": "declined", "order_id": order_id, "decline_code": code},
            "#status = :failed, last_decline_code = :code, last_decline_message = :message, "
            "next_attempt_on = :next, gsi1pk = :gpk, gsi1sk = :gsk",
            {
                ":failed": {"S": "failed"},
                ":code": {"S": code or "declined"},
                ":message": {"S": message or "The card was declined."},
                ":next": {"S": next_attempt_on},
                ":gpk": {"S": f"{DUE}#{shard_of(record.policy_number)}"},
                ":gsk": {"S": _due_sort(record, next_attempt_on)},
            },
        )
        record.status, record.next_attempt_on = "failed", next_attempt_on
        record.last_decline_code, record.last_decline_message = code, message

    def _settle(
        self, record: InstallmentRecord, attempt: int, entry: dict[str, Any], outcome: str, values: dict[str, Any]
    ) -> None:
        """Settle the attempt this run holds (`attempts` is it, the one before settled) with its `outcome`
        assignments, appending `entry` to the installment's history; Lost when another run settled it."""
        import json

        history = [*record.history, entry]
        self._update(
            record,
            f"SET settled = :attempt, history = :history, lease_until = :zero, {outcome}",
            "attempts = :attempt AND settled = :before",
            {
                ":attempt": {"N": str(attempt)},
                ":before": {"N": str(attempt - 1)},
                ":history": {"S": json.dumps(history)},
                ":zero": {"N": "0"},
                **values,
            },
        )
        record.settled, record.history = attempt, history

    def lower(self, record: InstallmentRecord, by: str, *, amendment_id: str) -> bool:
        """Take `by` off an installment not yet charged, once per amendment (recorded in its `adjustments`); False
        when it was charged, closed or changed meanwhile (the caller reads it again)."""
        import json
        from decimal import Decimal

        amount = str(Decimal(record.amount) - Decimal(by))
        adjustments = {**record.adjustments, amendment_id: by}
        try:
            self._update(
                record,
                "SET amount = :new, adjustments = :adjustments",
                "amount = :old AND #status IN (:scheduled, :failed) AND attempts = settled",
                {
                    ":new": {"S": amount},
                    ":old": {"S": record.amount},
                    ":adjustments": {"S": json.dumps(adjustments)},
                    ":scheduled": {"S": "scheduled"},
                    ":failed": {"S": "failed"},
                },
            )
        except Lost:
            return False
        record.amount, record.adjustments = amount, adjustments
        return True

    def close(self, record: InstallmentRecord, status: str) -> None:
        """An owed installment that will never be charged: `cancelled` (the policy ended) or `lapsed` (it ended
        the policy). A no-op when it was settled otherwise meanwhile."""
        try:
            self._update(
                record,
                "SET #status = :closed REMOVE next_attempt_on, gsi1pk, gsi1sk",
                "#status IN (:scheduled, :failed) AND attempts = settled",
                {":closed": {"S": status}, ":scheduled": {"S": "scheduled"}, ":failed": {"S": "failed"}},
            )
        except Lost:
            return
        record.status, record.next_attempt_on = status, None

    def _update(self, record: InstallmentRecord, expression: str, condition: str, values: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        names = {"ExpressionAttributeNames": {"#status": "status"}} if "#status" in expression + condition else {}
        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key=_key(record.policy_number, record.sort_key),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **names,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Lost(f"{record.policy_number} {record.sort_key} changed meanwhile") from None
            raise
