"""Insurers' progress in the single table: the only code that knows its DynamoDB items.

Stored as `pk = PROGRESS#<risk_event_id>`, `sk = INSURER#<insurer_id>` with `status`, its numeric `status_rank`,
`claim_reference`, `updated_at`, `history` (a list of JSON entries) and the optimistic-locking `version`; the
first answer adds `first_response` (when, and the salesperson's notification, indexed by `gsi1pk = NOTIFY#<insurer>`)
and `poll_seq` numbers the poll chain. While a delivery is filing the claim, `filing_holder` and `filing_until`
(epoch seconds) hold the insurer's filing slot, so one `POST /claims` is in flight at a time; the first answer
removes them. `sk = DISPATCH` on the same partition lists the insurers dispatched to. Every status change is one
conditional UpdateItem `status_rank < :new_rank` (see `insure.risk.progress`).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from insure.risk.progress_models import RANK, InsurerProgress, ProgressEntry, ProgressState

BATCH_GET_ITEMS = 100
BATCH_WRITE_ITEMS = 25


def _key(risk_event_id: str, insurer_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PROGRESS#{risk_event_id}"}, "sk": {"S": f"INSURER#{insurer_id}"}}


def _from_item(item: dict[str, Any]) -> InsurerProgress:
    return InsurerProgress(
        insurer_id=item["insurer_id"]["S"],
        claim_reference=item.get("claim_reference", {}).get("S"),
        status=item["status"]["S"],
        updated_at=item["updated_at"]["S"],
        history=[ProgressEntry.model_validate_json(e["S"]) for e in item.get("history", {}).get("L", [])],
        policy_number=item.get("policy_number", {}).get("S"),
        first_response_at=json.loads(item["first_response"]["S"])["at"] if "first_response" in item else None,
        facts_revision_delivered=int(item["facts_delivered"]["N"]) if "facts_delivered" in item else None,
        facts_delivered_at=item.get("facts_delivered_at", {}).get("S"),
    )


def state_of(item: dict[str, Any]) -> ProgressState:
    """A stored progress item as the filing and the dispatch read it."""
    first_response = json.loads(item["first_response"]["S"]) if "first_response" in item else None
    return ProgressState(
        insurer_id=item["insurer_id"]["S"],
        status=item["status"]["S"],
        claim_reference=item.get("claim_reference", {}).get("S"),
        answered=first_response is not None,
        notification=first_response.get("notification") if first_response is not None else None,
        poll_seq=int(item["poll_seq"]["N"]) if "poll_seq" in item else None,
        filing_until=float(item.get("filing_until", {}).get("N", "0")),
        facts_delivered=int(item["facts_delivered"]["N"]) if "facts_delivered" in item else None,
    )


class ProgressRepository:
    """Progress items in the single table; every write is conditional."""

    HELD_LIMIT = 1000

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table
        # (event, insurer) -> the item as this environment's delivery took its filing slot (see `claim_filing`)
        self._held: dict[tuple[str, str], dict[str, Any]] = {}
        self._held_lock = threading.Lock()

    def _conditional_update(self, **kwargs: Any) -> dict[str, Any] | None:
        """The item as updated, or None when the condition failed."""
        try:
            result: dict[str, Any] = self._db.update_item(TableName=self._table, ReturnValues="ALL_NEW", **kwargs)
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return result.get("Attributes")

    def _conditional_write(self, **kwargs: Any) -> bool:
        """Whether the conditional update was applied (nothing is read back)."""
        try:
            self._db.update_item(TableName=self._table, **kwargs)
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    @staticmethod
    def _pending_item(risk_event_id: str, insurer_id: str, policy_number: str, at: str) -> dict[str, Any]:
        entry = ProgressEntry(status="pending", updated_at=at, note="Claim queued for the insurer", source="platform")
        return {
            **_key(risk_event_id, insurer_id),
            "entity": {"S": "insurer-progress"},
            "risk_event_id": {"S": risk_event_id},
            "insurer_id": {"S": insurer_id},
            "policy_number": {"S": policy_number},
            "status": {"S": "pending"},
            "status_rank": {"N": "0"},
            "updated_at": {"S": at},
            "history": {"L": [{"S": entry.model_dump_json()}]},
            "poll_seq": {"N": "0"},
            "version": {"N": "1"},
        }

    def open_pending(self, risk_event_id: str, insurer_id: str, policy_number: str, at: str) -> bool:
        """Creates the `pending` entry; False when the (event, insurer) entry already exists."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=self._pending_item(risk_event_id, insurer_id, policy_number, at),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def claim_dispatch(self, risk_event_id: str, insurer_ids: list[str], at: str) -> set[str] | None:
        """Records which insurers the event was dispatched to (`sk = DISPATCH`). The first dispatch creates the
        record and gets None: it alone writes the `pending` entries. A later one adds its insurers and gets the
        set recorded before it (so it knows which insurers are new)."""
        key = {"pk": {"S": f"PROGRESS#{risk_event_id}"}, "sk": {"S": "DISPATCH"}}
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **key,
                    "entity": {"S": "insurer-dispatch"},
                    "insurer_ids": {"SS": sorted(set(insurer_ids))},
                    "dispatched_at": {"S": at},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            return None
        except self._db.exceptions.ConditionalCheckFailedException:
            pass
        before = self._db.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression="ADD insurer_ids :ids",
            ExpressionAttributeValues={":ids": {"SS": sorted(set(insurer_ids))}},
            ReturnValues="UPDATED_OLD",
        ).get("Attributes", {})
        return set(before.get("insurer_ids", {}).get("SS", []))

    def write_pending(self, risk_event_id: str, policies: list[tuple[str, str]], at: str) -> None:
        """Writes `pending` entries for (insurer_id, policy_number…) with BatchWriteItem, 25 a call (unconditional,
        which is why only the dispatch that created the event's DISPATCH record calls it, before it sends any
        message for these insurers: no answer can have been recorded on these items yet)."""
        for start in range(0, len(policies), BATCH_WRITE_ITEMS):
            chunk = policies[start : start + BATCH_WRITE_ITEMS]
            request: dict[str, Any] = {
                self._table: [
                    {"PutRequest": {"Item": self._pending_item(risk_event_id, insurer_id, policy_number, at)}}
                    for insurer_id, policy_number in chunk
                ]
            }
            while request:
                request = self._db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    def states(self, risk_event_id: str, insurer_ids: list[str]) -> dict[str, ProgressState]:
        """The progress that exists among (event, insurer_id…), by insurer id (BatchGetItem, 100 a call)."""
        found: dict[str, ProgressState] = {}
        for start in range(0, len(insurer_ids), BATCH_GET_ITEMS):
            keys = [_key(risk_event_id, i) for i in insurer_ids[start : start + BATCH_GET_ITEMS]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                page = self._db.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(self._table, []):
                    found[item["insurer_id"]["S"]] = state_of(item)
                request = page.get("UnprocessedKeys") or {}
        return found

    def state(self, risk_event_id: str, insurer_id: str) -> ProgressState | None:
        """The insurer's stored progress on the event (consistent read), None when there is none."""
        item: dict[str, Any] | None = self._db.get_item(
            TableName=self._table, Key=_key(risk_event_id, insurer_id), ConsistentRead=True
        ).get("Item")
        return state_of(item) if item is not None else None

    def apply(
        self,
        risk_event_id: str,
        insurer_id: str,
        entry: ProgressEntry,
        *,
        claim_reference: str | None = None,
        only_from_pending: bool = False,
    ) -> InsurerProgress | None:
        """Moves the status to `entry.status` if it ranks higher (and the claim reference agrees); the updated
        progress, or None when the update was ignored."""
        values: dict[str, Any] = {
            ":s": {"S": entry.status},
            ":r": {"N": str(RANK[entry.status])},
            ":u": {"S": entry.updated_at},
            ":h": {"L": [{"S": entry.model_dump_json()}]},
            ":one": {"N": "1"},
        }
        update = (
            "SET #s = :s, status_rank = :r, updated_at = :u, history = list_append(history, :h), "
            "version = version + :one"
        )
        condition = "attribute_exists(pk) AND status_rank < :r"
        if only_from_pending:
            condition += " AND status_rank = :zero"
            values[":zero"] = {"N": "0"}
        if claim_reference is not None:
            update += ", claim_reference = if_not_exists(claim_reference, :ref)"
            condition += " AND (attribute_not_exists(claim_reference) OR claim_reference = :ref)"
            values[":ref"] = {"S": claim_reference}
        item = self._conditional_update(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
        )
        return _from_item(item) if item else None

    def claim_filing(self, risk_event_id: str, insurer_id: str, holder: str, *, now: float, until: float) -> bool:
        """Takes the insurer's filing slot for `holder` until `until` (epoch seconds): only while no first answer
        is recorded and no other holder's lease runs. True when taken; the one delivery holding it may POST. The
        item as taken is kept, so the first answer can replace it whole (`record_first_response`)."""
        item = self._conditional_update(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression="SET filing_holder = :h, filing_until = :until",
            ConditionExpression=(
                "attribute_exists(pk) AND attribute_not_exists(first_response) "
                "AND (attribute_not_exists(filing_until) OR filing_until < :now)"
            ),
            ExpressionAttributeValues={
                ":h": {"S": holder},
                ":until": {"N": f"{until:.3f}"},
                ":now": {"N": f"{now:.3f}"},
            },
        )
        if item is None:
            return False
        with self._held_lock:
            if len(self._held) >= self.HELD_LIMIT:  # deliveries that died holding a slot leave theirs behind
                del self._held[next(iter(self._held))]
            self._held[(risk_event_id, insurer_id)] = item
        return True

    def _take_held(self, risk_event_id: str, insurer_id: str) -> dict[str, Any] | None:
        with self._held_lock:
            return self._held.pop((risk_event_id, insurer_id), None)

    def release_filing(self, risk_event_id: str, insurer_id: str, holder: str) -> None:
        """Gives the filing slot back (the holder's call failed: the next delivery may file at once)."""
        self._take_held(risk_event_id, insurer_id)
        self._conditional_write(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression="REMOVE filing_holder, filing_until",
            ConditionExpression="filing_holder = :h",
            ExpressionAttributeValues={":h": {"S": holder}},
        )

    def _replace_held(
        self, held: dict[str, Any], claim_reference: str, entry: ProgressEntry, recorded: dict[str, Any]
    ) -> InsurerProgress | None:
        """The first answer written over the item as its filing slot was taken, in one PutItem conditional on
        nothing having changed since (the same `version`, every write but the slot's own moves it; the same slot
        holder; no answer): the item the update below would make, without evaluating its 16-action expression
        (on the local cloud 6.5 ms a write against 2). None when something changed: the update decides."""
        if "version" not in held or "filing_holder" not in held or "status_rank" not in held:
            return None
        item = {name: value for name, value in held.items() if name not in ("filing_holder", "filing_until")}
        known = held.get("claim_reference", {}).get("S")
        item["claim_reference"] = {"S": known or claim_reference}
        if int(held["status_rank"]["N"]) < RANK[entry.status] and known in (None, claim_reference):
            item["status"] = {"S": entry.status}
            item["status_rank"] = {"N": str(RANK[entry.status])}
            item["updated_at"] = {"S": entry.updated_at}
            item["history"] = {"L": [*held.get("history", {}).get("L", []), {"S": entry.model_dump_json()}]}
        item["version"] = {"N": str(int(held["version"]["N"]) + 1)}
        for name, value in recorded.items():
            if name not in ("facts_delivered", "facts_delivered_at") or name not in held:
                item[name] = value
        try:
            self._db.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="version = :v AND filing_holder = :h AND attribute_not_exists(first_response)",
                ExpressionAttributeValues={":v": held["version"], ":h": held["filing_holder"]},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return _from_item(item)

    def record_first_response(
        self,
        risk_event_id: str,
        insurer_id: str,
        claim_reference: str,
        entry: ProgressEntry,
        *,
        arm_poll: bool,
        notification: dict[str, Any],
        facts_revision: int,
    ) -> InsurerProgress | None:
        """Records the insurer's first answer once, in one conditional write: the claim reference, its status (when
        it moves forward), poll_seq 1 when polling should start, the salesperson notification (indexed on
        `gsi1pk = NOTIFY#<insurer_id>`) and the facts revision the filing carried as delivered (unless a facts
        delivery recorded one already: those only come after a filing, with a later revision). None when a first
        answer was already recorded (a duplicate delivery)."""
        held = self._take_held(risk_event_id, insurer_id)
        if held is not None:
            replaced = self._replace_held(
                held,
                claim_reference,
                entry,
                {
                    "first_response": {"S": json.dumps({"at": entry.updated_at, "notification": notification})},
                    "poll_seq": {"N": "1" if arm_poll else "0"},
                    "gsi1pk": {"S": f"NOTIFY#{insurer_id}"},
                    "gsi1sk": {"S": f"{entry.updated_at}#{risk_event_id}"},
                    "facts_delivered": {"N": str(facts_revision)},
                    "facts_delivered_at": {"S": entry.updated_at},
                },
            )
            if replaced is not None:
                return replaced
        values: dict[str, Any] = {
            ":ref": {"S": claim_reference},
            ":poll": {"N": "1" if arm_poll else "0"},
            ":gp": {"S": f"NOTIFY#{insurer_id}"},
            ":gs": {"S": f"{entry.updated_at}#{risk_event_id}"},
            ":fr": {"S": json.dumps({"at": entry.updated_at, "notification": notification})},
            ":one": {"N": "1"},
            ":fd": {"N": str(facts_revision)},
            ":fat": {"S": entry.updated_at},
        }
        recorded = (
            "first_response = :fr, poll_seq = :poll, gsi1pk = :gp, gsi1sk = :gs, version = version + :one, "
            "facts_delivered = if_not_exists(facts_delivered, :fd), "
            "facts_delivered_at = if_not_exists(facts_delivered_at, :fat)"
        )
        release = " REMOVE filing_holder, filing_until"
        with_status = self._conditional_update(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression=(
                f"SET claim_reference = :ref, #s = :s, status_rank = :r, updated_at = :at, "
                f"history = list_append(history, :h), {recorded}{release}"
            ),
            ConditionExpression=(
                # status_rank < :r also requires the item to exist (a missing attribute compares false)
                "attribute_not_exists(first_response) AND status_rank < :r "
                "AND (attribute_not_exists(claim_reference) OR claim_reference = :ref)"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                **values,
                ":at": {"S": entry.updated_at},
                ":s": {"S": entry.status},
                ":r": {"N": str(RANK[entry.status])},
                ":h": {"L": [{"S": entry.model_dump_json()}]},
            },
        )
        if with_status is not None:
            return _from_item(with_status)
        # A webhook got there first with a later status: record the answer, keep the status. (Only the values this
        # expression uses: DynamoDB refuses a request that passes an unused one.)
        without_status = self._conditional_update(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression=f"SET claim_reference = if_not_exists(claim_reference, :ref), {recorded}{release}",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(first_response)",
            ExpressionAttributeValues=values,
        )
        return _from_item(without_status) if without_status is not None else None

    def notifications(self, insurer_id: str) -> list[dict[str, Any]]:
        items = self._db.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": f"NOTIFY#{insurer_id}"}},
        ).get("Items", [])
        return [json.loads(i["first_response"]["S"])["notification"] for i in items if "first_response" in i]

    def note_facts_delivered(
        self, risk_event_id: str, insurer_id: str, revision: int, at: str
    ) -> InsurerProgress | None:
        """Records that the insurer has the event's facts up to `revision` (never moving back); the progress, or
        None when a later revision was recorded already."""
        item = self._conditional_update(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression="SET facts_delivered = :r, facts_delivered_at = :at, version = version + :one",
            ConditionExpression=(
                "attribute_exists(pk) AND (attribute_not_exists(facts_delivered) OR facts_delivered < :r)"
            ),
            ExpressionAttributeValues={":r": {"N": str(revision)}, ":at": {"S": at}, ":one": {"N": "1"}},
        )
        return _from_item(item) if item else None

    def advance_poll(self, risk_event_id: str, insurer_id: str, seq: int, *, back: bool = False) -> bool:
        """Moves the poll sequence from `seq` to `seq + 1` (or back): only one delivery continues a poll chain."""
        current, following = (seq + 1, seq) if back else (seq, seq + 1)
        return self._conditional_write(
            Key=_key(risk_event_id, insurer_id),
            UpdateExpression="SET poll_seq = :next, version = version + :one",
            ConditionExpression="poll_seq = :cur",
            ExpressionAttributeValues={":cur": {"N": str(current)}, ":next": {"N": str(following)}, ":one": {"N": "1"}},
        )

    def timeline(self, risk_event_id: str) -> list[InsurerProgress]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": f"PROGRESS#{risk_event_id}"}, ":s": {"S": "INSURER#"}},
            "ConsistentRead": True,
        }
        while True:
            page = self._db.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return [_from_item(i) for i in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
