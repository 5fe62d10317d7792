"""Billing in the single table, in the policy's partition `POLICY#<number>`:
- `BILLING`: the policy's billing account: the plan, the card kept at the processor (customer and payment method
  ids, brand, last four: never the number), whom to tell (e-mail, name); indexed by the day its renewal is due
  (`gsi1pk = RENEWAL_DUE#<shard>`, `gsi1sk = <date>#<policy>`) while the term runs;
- `INSTALLMENT#<term>#<nn>`: one item per installment of a term: its due date and amount, `status` (`scheduled`,
  `failed` while retries remain, `paid`, `cancelled`, `lapsed`), `attempts` started and `settled` (finished),
  the processor's order id and authorization id once paid, the last decline; indexed while it is owed by the day
  it is next tried (`gsi1pk = BILLING_DUE#<shard>`, `gsi1sk = <date>#<policy>#<term>#<nn>`), a sparse index the
  billing run reads. Shards spread the index over partitions.
- `HISTORY#INSTALLMENT#<term>#<nn>#<nnnn>` and `HISTORY#CARD#<nnnn>`: every version of an installment and of the
  kept card (`insure.payments.history_repository`), never overwritten. The installment's `version` and the account's
  `card_version` are the latest.

Every change of an installment or of the kept card is a new version: the version item first, a conditional put of
the next number (when it is taken, another writer changed the record since it was read: Lost, after writing that
version onto the head should its writer have stopped before), then the head, conditioned on the version read. So
two writers never both change what one of them read, and no change of the head is without its version.

Charging an installment is claimed first this way (the attempt is a version), so two runs at once (or a run
retried after a crash) charge it once: an attempt is started (`attempts` + 1) only when every earlier one is
settled, an unsettled attempt whose lease ran out is taken over under the same number (and so the same processor
idempotency key), and an attempt is settled only by the run that holds it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, fields, replace
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.billing.records import CARD, OWED, BillingAccount, InstallmentRecord, Lost, installment_key
from insure.payments.history_repository import RecordHistory, RecordVersion, field_changes
from insure.storage import TableClient, put_if_absent

if TYPE_CHECKING:
    from insure.policies.models import Actor

SHARDS = 8
DUE = "BILLING_DUE"
RENEWAL_DUE = "RENEWAL_DUE"


def shard_of(policy_number: str) -> int:
    return int(hashlib.sha256(policy_number.encode()).hexdigest()[:4], 16) % SHARDS


def _key(policy_number: str, sort_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"POLICY#{policy_number}"}, "sk": {"S": sort_key}}


_S = ("due_date", "amount", "status", "next_attempt_on", "processor_order_id", "authorization_id", "paid_at", "fee")
_S2 = ("last_decline_code", "last_decline_message")
_N = ("term", "installment", "attempts", "settled", "lease_until", "version")
_TRIES = 5  # how many times a change read again after another writer's is tried before giving up (Lost)


def _partition(policy_number: str) -> str:
    return f"POLICY#{policy_number}"


def _after(name: str, before: int) -> str:
    """The condition that the head's version attribute `name` is `before` (`:before`): 0 is also a head kept
    before it had versions."""
    return f"(attribute_not_exists({name}) OR {name} = :before)" if before == 0 else f"{name} = :before"


def _installment_state(record: InstallmentRecord) -> dict[str, Any]:
    state = asdict(record)
    del state["version"]
    return state


def _installment_version(
    before: InstallmentRecord | None, after: InstallmentRecord, change: str, made_by: Actor
) -> RecordVersion:
    state = _installment_state(after)
    changes = field_changes(_installment_state(before) if before else {}, state)
    return RecordVersion(after.sort_key, after.version, timestamps.now(), made_by, change, changes, state)


def _adopt(record: InstallmentRecord, source: InstallmentRecord) -> None:
    """`record` (the caller's) as `source` now stands."""
    for name in (f.name for f in fields(InstallmentRecord)):
        setattr(record, name, getattr(source, name))


def _card_state(account: BillingAccount) -> dict[str, Any]:
    return {
        "customer_id": account.customer_id,
        "payment_method_id": account.payment_method_id,
        "brand": account.brand,
        "last4": account.last4,
    }


def _card_version(before: BillingAccount | None, after: BillingAccount, made_by: Actor) -> RecordVersion:
    state = _card_state(after)
    changes = field_changes(_card_state(before) if before else {}, state)
    change = "card_kept" if before is None else "card_replaced"
    return RecordVersion(CARD, after.card_version, timestamps.now(), made_by, change, changes, state)


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
        card_version=int(item.get("card_version", {}).get("N", "0")),
        renewal_on=item.get("renewal_on", {}).get("S"),
        renewal=json.loads(item["renewal"]["S"]) if "renewal" in item else None,
    )


class BillingRepository(TableClient):
    # -- the account -------------------------------------------------------------------------------------------
    def open_account(
        self, account: BillingAccount, installments: list[InstallmentRecord], *, made_by: Actor = "workflow"
    ) -> None:
        """Keep the account and the term's installments (no-ops for what a retried issuance already kept)."""
        self.put_account(account, only_new=True, made_by=made_by)
        for record in installments:
            self.put_installment(record, made_by=made_by)

    def put_account(self, account: BillingAccount, *, only_new: bool = False, made_by: Actor = "workflow") -> None:
        """`only_new`: keep a new account (its card, if any, as the card's version 1; a no-op for what a retry
        already kept). Otherwise: write the account's plan, contact, term and renewal; never its card, which
        changes only version by version (`keep_card`)."""
        if only_new:
            if account.customer_id and account.payment_method_id:
                account = replace(account, card_version=1)
                self._history().add(_partition(account.policy_number), _card_version(None, account, made_by))
            self._put_new_account(account)
            return
        import json

        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        fields: dict[str, dict[str, str] | None] = {
            "plan": {"S": account.plan},
            "email": {"S": account.email},
            "name": {"S": account.name},
            "term": {"N": str(account.term)},
            "renewal": {"S": json.dumps(account.renewal)} if account.renewal is not None else None,
            "renewal_on": {"S": account.renewal_on} if account.renewal_on else None,
            "gsi1pk": {"S": f"{RENEWAL_DUE}#{shard_of(account.policy_number)}"} if account.renewal_on else None,
            "gsi1sk": {"S": f"{account.renewal_on}#{account.policy_number}"} if account.renewal_on else None,
        }
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            if value is None:
                removes.append(f"#f{index}")
            else:
                values[f":f{index}"] = value
                sets.append(f"#f{index} = :f{index}")
        self._dynamodb().update_item(
            TableName=self.table,
            Key=_key(account.policy_number, "BILLING"),
            UpdateExpression="SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def _put_new_account(self, account: BillingAccount) -> None:
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
            "card_version": {"N": str(account.card_version)},
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
        put_if_absent(self._dynamodb(), self.table, item)

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

    def keep_card(
        self,
        policy_number: str,
        customer_id: str,
        payment_method_id: str,
        brand: str,
        last4: str,
        *,
        made_by: Actor = "customer",
    ) -> None:
        """The card kept at the processor for the policy's later charges is now this one (the rest of the account
        as it stands), as the card's next version; a no-op when it is the card kept already."""
        for _ in range(_TRIES):
            account = self.account(policy_number)
            if account is None:
                return
            after = replace(
                account,
                customer_id=customer_id,
                payment_method_id=payment_method_id,
                brand=brand,
                last4=last4,
                card_version=account.card_version + 1,
            )
            if _card_state(after) == _card_state(account):
                return
            if self._history().add(_partition(policy_number), _card_version(account, after, made_by)):
                self._put_card_head(after)
                return
            found = self._history().get(_partition(policy_number), CARD, after.card_version)
            if found is not None:  # roll forward the version whose writer stopped before writing it onto the head
                self._put_card_head(replace(account, **found.state, card_version=after.card_version))
        raise Lost(f"the card kept for {policy_number} changed meanwhile, {_TRIES} times")

    def _put_card_head(self, account: BillingAccount) -> None:
        """Write the card of `account`'s card version onto the account, over the version before it (a no-op when
        the account is already there or beyond)."""
        from botocore.exceptions import ClientError

        state = _card_state(account)
        try:
            self._dynamodb().update_item(
                TableName=self.table,
                Key=_key(account.policy_number, "BILLING"),
                UpdateExpression="SET customer_id = :customer, payment_method_id = :method, brand = :brand, "
                "last4 = :last4, card_version = :version",
                ConditionExpression="attribute_exists(pk) AND " + _after("card_version", account.card_version - 1),
                ExpressionAttributeValues={
                    ":customer": {"S": state["customer_id"]},
                    ":method": {"S": state["payment_method_id"]},
                    ":brand": {"S": state["brand"]},
                    ":last4": {"S": state["last4"]},
                    ":version": {"N": str(account.card_version)},
                    ":before": {"N": str(account.card_version - 1)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

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
    def put_installment(self, record: InstallmentRecord, *, only_new: bool = True, made_by: Actor = "workflow") -> None:
        """Keep a new installment as its version 1 (`only_new`: a no-op for what a retry already kept; an installment
        is never overwritten, only changed version by version)."""
        if not only_new:
            raise ValueError("An installment is changed version by version, never overwritten.")
        first = replace(record, version=1)
        self._history().add(_partition(record.policy_number), _installment_version(None, first, "created", made_by))
        self._put_installment_head(first, created=True)
        record.version = 1

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

    def start_attempt(
        self, record: InstallmentRecord, *, today: str, now: int, lease_s: int, made_by: Actor = "workflow"
    ) -> int:
        """Claim the next attempt of `record` (as read) for this run; its number. Raises Lost when another run
        started, holds or settled it first, or when it is no longer owed today."""
        if record.lease_until > now:
            raise Lost("another run holds this attempt")
        if record.status not in OWED or not record.next_attempt_on or record.next_attempt_on > today:
            raise Lost(f"{record.policy_number} {record.sort_key} is not owed today")
        takeover = record.attempts > record.settled
        attempt = record.attempts if takeover else record.attempts + 1
        self._change(
            record,
            "attempt_taken_over" if takeover else "attempt_started",
            made_by,
            attempts=attempt,
            lease_until=now + lease_s,
        )
        return attempt

    def settle_paid(
        self,
        record: InstallmentRecord,
        attempt: int,
        *,
        order_id: str,
        authorization_id: str | None,
        at: str,
        made_by: Actor = "workflow",
    ) -> None:
        self._settle(
            record,
            attempt,
            {"attempt": attempt, "at": at, "outcome": "paid", "order_id": order_id},
            made_by,
            status="paid",
            processor_order_id=order_id,
            authorization_id=authorization_id or "",
            paid_at=at,
            next_attempt_on=None,
        )

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
        made_by: Actor = "workflow",
    ) -> None:
        self._settle(
            record,
            attempt,
            {"attempt": attempt, "at": at, "outcome": "declined", "order_id": order_id, "decline_code": code},
            made_by,
            status="failed",
            last_decline_code=code or "declined",
            last_decline_message=message or "The card was declined.",
            next_attempt_on=next_attempt_on,
        )

    def _settle(
        self, record: InstallmentRecord, attempt: int, entry: dict[str, Any], made_by: Actor, **outcome: Any
    ) -> None:
        """Settle the attempt this run holds (`attempts` is it, the one before settled) with its `outcome`,
        appending `entry` to the installment's history; Lost when another run settled it."""
        if record.attempts != attempt or record.settled != attempt - 1:
            raise Lost(f"{record.policy_number} {record.sort_key}: attempt {attempt} is not this run's to settle")
        change = "paid" if outcome["status"] == "paid" else "declined"
        self._change(
            record, change, made_by, settled=attempt, history=[*record.history, entry], lease_until=0, **outcome
        )

    def lower(self, record: InstallmentRecord, by: str, *, amendment_id: str, made_by: Actor = "customer") -> bool:
        """Take `by` off an installment not yet charged, once per amendment (recorded in its `adjustments`; an
        amendment is the customer's change); False when it was charged, closed or changed meanwhile (the caller
        reads it again)."""
        from decimal import Decimal

        if record.status not in OWED or record.attempts != record.settled or amendment_id in record.adjustments:
            return False
        try:
            self._change(
                record,
                "lowered",
                made_by,
                amount=str(Decimal(record.amount) - Decimal(by)),
                adjustments={**record.adjustments, amendment_id: by},
            )
        except Lost:
            return False
        return True

    def close(self, record: InstallmentRecord, status: str, *, made_by: Actor = "workflow") -> None:
        """An owed installment that will never be charged: `cancelled` (the policy ended) or `lapsed` (it ended
        the policy). A no-op when it was settled otherwise meanwhile (read again when it changed since `record`
        was read)."""
        current: InstallmentRecord | None = record
        for _ in range(_TRIES):
            if current is None or current.status not in OWED or current.attempts != current.settled:
                return
            try:
                self._change(current, "closed", made_by, status=status, next_attempt_on=None)
            except Lost:
                current = self.installment(record.policy_number, record.term, record.installment)
                continue
            if current is not record:
                _adopt(record, current)
            return

    def installment(self, policy_number: str, term: int, number: int) -> InstallmentRecord | None:
        """One installment as it stands (a consistent read)."""
        found = (
            self._dynamodb()
            .get_item(TableName=self.table, Key=_key(policy_number, installment_key(term, number)), ConsistentRead=True)
            .get("Item")
        )
        return _decode_installment(found) if found else None

    def versions(self, policy_number: str) -> list[RecordVersion]:
        """Every version of the policy's payment records kept beside them (installments, the kept card), by record
        then number."""
        return self._history().of(_partition(policy_number))

    # -- versions: the version item first, then the head --------------------------------------------------------
    def _history(self) -> RecordHistory:
        return RecordHistory(self.table, self._dynamodb())

    def _change(self, record: InstallmentRecord, change: str, made_by: Actor, **fields: Any) -> None:
        """Change the installment `record` (as read) by `fields` as its next version: its version item first (Lost
        when that number is taken: another writer changed the installment since it was read; that version is
        first written onto the head, should its writer have stopped before doing so), then the head, on condition
        it is still at the version read (when it is not, that roll-forward already wrote it). `record` becomes the
        new version."""
        after = replace(record, **fields, version=record.version + 1)
        if not self._history().add(
            _partition(record.policy_number), _installment_version(record, after, change, made_by)
        ):
            self._roll_forward(record)
            raise Lost(f"{record.policy_number} {record.sort_key} changed meanwhile")
        self._put_installment_head(after, created=False)
        _adopt(record, after)

    def _roll_forward(self, record: InstallmentRecord) -> None:
        """Write the version after `record`'s onto the head, if its writer stopped before doing so."""
        number = record.version + 1
        found = self._history().get(_partition(record.policy_number), record.sort_key, number)
        if found is not None:
            self._put_installment_head(InstallmentRecord(**found.state, version=number), created=False)

    def _put_installment_head(self, record: InstallmentRecord, *, created: bool) -> None:
        """Write the head of `record`'s version: a new installment where none is, else over the version before it
        (a no-op when the head is already there or beyond: a retry or a roll-forward wrote it)."""
        from botocore.exceptions import ClientError

        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if not created:
            condition = {
                "ConditionExpression": _after("#version", record.version - 1),
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":before": {"N": str(record.version - 1)}},
            }
        try:
            self._dynamodb().put_item(TableName=self.table, Item=_encode_installment(record), **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
