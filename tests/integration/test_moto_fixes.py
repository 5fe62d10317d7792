"""The moto patch registry (local/moto_fixes.py): installed only on the pinned moto, every target still where and
what it was, and each patch checked with and without it: a correctness patch fixes a failure moto still has, a
speed patch gives the same answers as moto's own code path."""

from __future__ import annotations

import contextlib
import copy
import datetime
import decimal
import inspect
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer, XFormedAttributePicker, get_serializer_class

from local import moto_fixes
from tests.moto_table import key_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def patched():
    moto_fixes.install()


def _stored(target: moto_fixes.Target):
    owner, name = target.resolve()
    for holder in owner.__mro__ if isinstance(owner, type) else (owner,):
        if name in vars(holder):
            return vars(holder)[name]
    return moto_fixes.ABSENT


@pytest.mark.parametrize("patch", moto_fixes.PATCHES, ids=lambda p: p.name)
def test_every_target_is_still_there_with_the_signature_it_was_written_against(patch):
    assert patch.kind in ("correctness", "speed") and patch.why and patch.upstream
    with moto_fixes.without(patch.name):
        for target in patch.targets + patch.relies_on:
            original = _stored(target)
            if target.signature == moto_fixes.ABSENT:
                assert original is moto_fixes.ABSENT, f"moto now has {target.path}: is the fix upstream?"
            elif target.signature == moto_fixes.MODULE:
                assert inspect.ismodule(original), target.path
            else:
                function = getattr(original, "__func__", original)  # staticmethod / classmethod
                function = original.fget if isinstance(original, property) else function
                if isinstance(original, classmethod):
                    function = getattr(*target.resolve())
                assert str(inspect.signature(function)) == target.signature, target.path


def test_a_patch_taken_out_is_moto_own_code_and_put_back_after():
    from moto.sqs.models import Queue

    patched = Queue.delete_message
    with moto_fixes.without("sqs-delete-locked"):
        assert Queue.delete_message is not patched
        assert Queue.delete_message.__module__ == "moto.sqs.models"
        assert "sqs-delete-locked" not in moto_fixes.installed()
    assert "sqs-delete-locked" in moto_fixes.installed()
    assert Queue.delete_message.__module__ == "local.moto_fixes"


def test_another_moto_version_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(moto_fixes, "moto_version", lambda: "5.3.0")
    monkeypatch.setattr(moto_fixes, "_installed", {})
    with pytest.raises(moto_fixes.MotoVersionMismatch, match=r"moto 5\.2\.1.*moto 5\.3\.0 is installed"):
        moto_fixes.install()
    assert moto_fixes.installed() == []  # nothing applied


def test_the_pinned_version_is_the_one_the_requirements_install():
    pin = re.search(r"^moto\[[^\]]*\]==([\w.]+)$", (ROOT / "requirements-dev.txt").read_text(), re.M)
    assert pin is not None and pin.group(1) == moto_fixes.PINNED_MOTO == moto_fixes.moto_version()


def test_an_unknown_patch_cannot_be_skipped():
    with pytest.raises(ValueError, match="no moto patch named"):
        moto_fixes.install(skip=("no-such-patch",))


ITEM = {
    "pk": {"S": "APP#1"},
    "sk": {"S": "A"},
    "count": {"N": "12.50"},
    "flag": {"BOOL": False},
    "nothing": {"NULL": True},
    "tags": {"SS": ["a", "b"]},
    "scores": {"NS": ["1", "2.5"]},
    "blob": {"B": b"\x00\x01binary"},
    "blobs": {"BS": [b"x", b"y"]},
    "input": {
        "M": {
            "items": {"L": [{"M": {"value": {"N": "1500.00"}, "brand": {"S": "Dell"}}}, {"S": "é ✓"}]},
            "nested_blob": {"M": {"raw": {"B": b"\xff"}}},
            "empty": {"M": {}},
        }
    },
}


@pytest.fixture
def table():
    for client in key_table():
        client.put_item(TableName="t", Item=ITEM)
        yield client


def _serialize(operation: str, result: dict) -> dict:
    from moto.core.responses import get_service_model

    service = get_service_model("dynamodb")
    serializer = get_serializer_class("dynamodb", "json")(
        operation_model=service.operation_model(operation),
        pretty_print=False,
        value_picker=XFormedAttributePicker(),
    )
    return json.loads(serializer.serialize(result)["body"])


def test_plain_attribute_values_serialize_exactly_as_the_generic_walk():
    plain = {k: v for k, v in ITEM.items() if k not in ("blob", "blobs")}
    plain["input"] = {"M": {k: v for k, v in ITEM["input"]["M"].items() if k != "nested_blob"}}
    results = {
        "GetItem": {"Item": copy.deepcopy(plain)},
        "Query": {"Items": [copy.deepcopy(plain), copy.deepcopy(plain)], "Count": 2, "ScannedCount": 2},
        "UpdateItem": {"Attributes": copy.deepcopy(plain)},
    }
    fast = {operation: _serialize(operation, copy.deepcopy(result)) for operation, result in results.items()}
    with moto_fixes.without("plain-attribute-values"):
        assert "_serialize" not in vars(BaseJSONSerializer)  # moto's generic ResponseSerializer._serialize
        generic = {operation: _serialize(operation, copy.deepcopy(result)) for operation, result in results.items()}
    assert fast == generic
    assert fast["GetItem"]["Item"]["input"]["M"]["items"]["L"][1] == {"S": "é ✓"}


def test_binary_attribute_values_still_take_the_generic_path(table):
    item = table.get_item(TableName="t", Key={"pk": ITEM["pk"], "sk": ITEM["sk"]})["Item"]
    assert item == ITEM  # bytes round-trip (base64 on the wire) next to plain values


def test_plain_attribute_rejects_anything_not_in_wire_form():
    assert moto_fixes.plain_attribute({"M": {"a": {"L": [{"N": "1"}, {"NULL": True}]}}})
    assert not moto_fixes.plain_attribute({"B": "AAE="})
    assert not moto_fixes.plain_attribute({"M": {"a": {"BS": ["eA=="]}}})
    assert not moto_fixes.plain_attribute({"N": 1})
    assert not moto_fixes.plain_attribute({"S": "a", "N": "1"})
    assert not moto_fixes.plain_attribute({"SS": ["a", 1]})
    assert not moto_fixes.plain_attribute("S")


def test_items_as_moto_returns_them_are_written_the_same(table):
    raw = table.query(
        TableName="t",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "APP#1"}},
    )
    assert raw["Items"] == [ITEM]
    assert raw["Count"] == 1


def test_copy_json_is_a_deep_copy():
    state = {"a": [1, 2.5, {"b": None, "c": True}], "d": "text", "e": {"f": []}}
    copied = moto_fixes.copy_json(state)
    assert copied == state == copy.deepcopy(state)
    copied["a"][2]["b"] = "changed"
    copied["e"]["f"].append(1)
    assert state["a"][2]["b"] is None and state["e"]["f"] == []


def test_copy_json_falls_back_to_deepcopy_for_other_values():
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    value = {"t": (1, [2]), "when": when, "amount": decimal.Decimal("1.10")}
    copied = moto_fixes.copy_json(value)
    assert copied == value
    assert copied["t"][1] is not value["t"][1]


def _put_partitions(client) -> None:
    for pk in ("EVENT#1", "EVENT#2", "EVENT#3"):
        for n in range(7):
            client.put_item(
                TableName="t",
                Item={"pk": {"S": pk}, "sk": {"S": f"INS#{n:02d}"}, "rank": {"N": str(n % 3)}, "g": {"S": pk[-1]}},
            )


QUERIES = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "EVENT#2"}}},
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": "EVENT#1"}, ":s": {"S": "INS#0"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "pk = :p AND sk > :s",
        "FilterExpression": "#r = :r",
        "ExpressionAttributeNames": {"#r": "rank"},
        "ExpressionAttributeValues": {":p": {"S": "EVENT#3"}, ":s": {"S": "INS#01"}, ":r": {"N": "1"}},
    },
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "EVENT#9"}}},
]


def _all_pages(client, query: dict) -> list:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = client.query(TableName="t", Limit=3, **query, **extra)
        pages.append((page["Items"], page["Count"], page.get("LastEvaluatedKey")))
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_queries_on_the_table_key_answer_as_moto_does(table):
    _put_partitions(table)
    fast = [_all_pages(table, q) for q in QUERIES]
    assert [len(p[0][0]) for p in fast] == [3, 3, 1, 0]  # Limit applies before the filter
    assert [item["sk"]["S"] for page in fast[1] for item in page[0]][:3] == ["INS#06", "INS#05", "INS#04"]
    with moto_fixes.without("query-partition-only"):
        generic = [_all_pages(table, q) for q in QUERIES]
    assert fast == generic


def test_queries_on_an_index_answer_as_moto_does(table):
    table.create_table(
        TableName="ti",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": t} for n, t in (("pk", "S"), ("sk", "S"), ("g", "S"), ("rank", "N"))
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk in ("EVENT#2", "EVENT#1", "EVENT#3"):  # written out of order; ranks repeat (ties broken by the table key)
        for n in range(7):
            item = {"pk": {"S": pk}, "sk": {"S": f"INS#{6 - n:02d}"}, "rank": {"N": str(n % 3)}}
            table.put_item(TableName="ti", Item=item | ({"g": {"S": "A" if n % 2 else "B"}} if n != 5 else {}))

    def pages(query: dict) -> list:
        found, start = [], None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = table.query(TableName="ti", IndexName="by-g", Limit=4, **query, **extra)
            found.append((page["Items"], page.get("LastEvaluatedKey")))
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    queries = [
        {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "A"}}},
        {
            "KeyConditionExpression": "g = :g AND #r >= :r",
            "ExpressionAttributeNames": {"#r": "rank"},
            "ExpressionAttributeValues": {":g": {"S": "B"}, ":r": {"N": "1"}},
            "ScanIndexForward": False,
        },
        {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "Z"}}},
    ]
    fast = [pages(q) for q in queries]
    assert [sum(len(p[0]) for p in q) for q in fast] == [6, 6, 0]
    with moto_fixes.without("query-partition-only"):
        generic = [pages(q) for q in queries]
    assert fast == generic


@pytest.mark.parametrize("taken_out", [None, "update-expressions-parsed-once", "validator-node-classes-kept"])
def test_an_update_expression_text_applies_to_each_item_with_its_own_values(table, taken_out):
    if taken_out:
        with moto_fixes.without(taken_out):
            _update_each_item_with_its_own_values(table)
    else:
        _update_each_item_with_its_own_values(table)


@pytest.mark.parametrize("taken_out", [None, "update-expressions-parsed-once"])
def test_overlapping_paths_are_refused_whatever_passed_before_with_other_names(table, taken_out):
    def update(names: dict[str, str]) -> None:
        table.update_item(
            TableName="t",
            Key={"pk": {"S": "O#1"}, "sk": {"S": "A"}},
            UpdateExpression="SET #x = :a, #y = :b",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":a": {"S": "a"}, ":b": {"S": "b"}},
        )

    with moto_fixes.without(taken_out) if taken_out else contextlib.nullcontext():
        for _ in range(2):  # the same text: fine with distinct paths, refused each time when the names overlap
            update({"#x": "left", "#y": "right"})
            with pytest.raises(table.exceptions.ClientError, match="Two document paths overlap"):
                update({"#x": "left", "#y": "left"})
    item = table.get_item(TableName="t", Key={"pk": {"S": "O#1"}, "sk": {"S": "A"}})["Item"]
    assert (item["left"], item["right"]) == ({"S": "a"}, {"S": "b"})


def _update_each_item_with_its_own_values(table) -> None:
    for n in (1, 2):
        table.update_item(
            TableName="t",
            Key={"pk": {"S": f"U#{n}"}, "sk": {"S": "A"}},
            UpdateExpression="SET #s = :s, history = list_append(if_not_exists(history, :e), :h) ADD hits :one",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":s": {"S": f"s{n}"},
                ":e": {"L": []},
                ":h": {"L": [{"S": f"h{n}"}]},
                ":one": {"N": "1"},
            },
        )
    first = table.get_item(TableName="t", Key={"pk": {"S": "U#1"}, "sk": {"S": "A"}})["Item"]
    second = table.get_item(TableName="t", Key={"pk": {"S": "U#2"}, "sk": {"S": "A"}})["Item"]
    assert (first["status"], first["history"], first["hits"]) == ({"S": "s1"}, {"L": [{"S": "h1"}]}, {"N": "1"})
    assert (second["status"], second["history"]) == ({"S": "s2"}, {"L": [{"S": "h2"}]})
    with pytest.raises(table.exceptions.ClientError, match="ValidationException"):  # values are still checked
        table.update_item(
            TableName="t",
            Key={"pk": {"S": "U#3"}, "sk": {"S": "A"}},
            UpdateExpression="SET #s = :s, history = list_append(if_not_exists(history, :e), :h) ADD hits :one",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "s3"}, ":e": {"L": []}, ":h": {"L": []}},
        )
    for _ in range(2):  # a bad expression is refused every time, not cached as good
        with pytest.raises(table.exceptions.ClientError, match="ValidationException"):
            table.update_item(
                TableName="t",
                Key={"pk": {"S": "U#1"}, "sk": {"S": "A"}},
                UpdateExpression="SET a = :a SET b = :a",
                ExpressionAttributeValues={":a": {"S": "x"}},
            )


def _received_after_retention() -> list[str]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="new")
        sqs.send_message(QueueUrl=url, MessageBody="old")
        from moto.sqs.models import sqs_backends

        queue = sqs_backends["123456789012"]["us-east-1"].queues["q"]
        old = next(m for m in queue._messages if m.body == "old")
        old.sent_timestamp = int((time.time() - 61) * 1000)
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        return [m["Body"] for m in received]


def test_sqs_still_drops_messages_past_their_retention_period():
    assert _received_after_retention() == ["new"]
    with moto_fixes.without("sqs-retention-from-the-queue"):
        assert _received_after_retention() == ["new"]


def _queues_as_sqs_reads_them() -> list[dict[str, Any]]:
    """Every queue's attributes (GetQueueAttributes All, one by one, and the model's mapping) for a standard queue
    with messages in each state, a FIFO queue with content-based deduplication, a queue with a redrive policy, a
    policy and a KMS key, and the answers that depend on them (deduplication, a re-create with other attributes)."""
    from moto.sqs.models import sqs_backends

    seen: list[dict[str, Any]] = []
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        plain = sqs.create_queue(
            QueueName="plain",
            Attributes={
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
                "KmsMasterKeyId": "alias/aws/sqs",
                "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            },
        )["QueueUrl"]
        fifo = sqs.create_queue(
            QueueName="q.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )["QueueUrl"]
        for number in range(12):
            sqs.send_message_batch(
                QueueUrl=plain,
                Entries=[
                    {"Id": f"m{i}", "MessageBody": f"{number}-{i}", "DelaySeconds": i % 2 * 30} for i in range(10)
                ],
            )
        sqs.receive_message(QueueUrl=plain, MaxNumberOfMessages=7)
        for body in ("a", "a", "b"):  # the second "a" is a duplicate by content
            sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId="g")
        with pytest.raises(ClientError, match="QueueAlreadyExists"):
            sqs.create_queue(QueueName="plain", Attributes={"VisibilityTimeout": "99"})
        backend = sqs_backends["123456789012"]["us-east-1"]
        for url, name in ((dlq, "dlq"), (plain, "plain"), (fifo, "q.fifo")):
            every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            each = {n: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[n])["Attributes"].get(n) for n in every}
            model = list(backend.queues[name].attributes.items())
            seen.append({"all": every, "each": each, "model": model, "length": len(model)})
        seen.append(
            {
                "fifo received": [
                    m["Body"] for m in sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
                ]
            }
        )
    for queue in seen:  # the times of creation differ from run to run: they are compared as present
        for key in ("all", "each"):
            queue.get(key, {}).update({n: "when" for n in queue.get(key, {}) if n.endswith("Timestamp")})
        if "model" in queue:
            queue["model"] = [(n, "when" if n.endswith("Timestamp") else v) for n, v in queue["model"]]
    return seen


def test_queue_attributes_read_on_demand_are_the_ones_moto_computes():
    patched = _queues_as_sqs_reads_them()
    with moto_fixes.without("sqs-attributes-on-demand"):
        generic = _queues_as_sqs_reads_them()
    assert patched == generic
    plain = patched[1]["all"]
    assert plain["ApproximateNumberOfMessages"] == "53" and plain["ApproximateNumberOfMessagesNotVisible"] == "7"
    assert plain["ApproximateNumberOfMessagesDelayed"] == "60" and "deadLetterTargetArn" in plain["RedrivePolicy"]
    assert patched[2]["all"]["ContentBasedDeduplication"] == "true" and patched[3]["fifo received"] == ["a", "b"]


def test_a_send_no_longer_counts_the_queues_messages():
    from moto.sqs.models import Queue

    def sent_with_counting() -> int:
        counted = 0
        original = Queue.approximate_number_of_messages

        def counting(self: Any) -> int:
            nonlocal counted
            counted += 1
            return original.fget(self)

        with mock_aws(), pytest.MonkeyPatch.context() as patch:
            patch.setattr(Queue, "approximate_number_of_messages", property(counting))
            sqs = boto3.client("sqs", region_name="us-east-1")
            url = sqs.create_queue(QueueName="q")["QueueUrl"]
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": "x"} for i in range(10)])
        return counted

    assert sent_with_counting() == 0
    with moto_fixes.without("sqs-attributes-on-demand"):
        assert sent_with_counting() >= 10


def _stalled(original, thread_name: str, on_call: int = 1):
    """`original` wrapped so that its `on_call`-th call in the thread named `thread_name` signals `reached` and
    then holds that thread for 0.3 s: a request stopped half-way, for another one to overlap it."""
    import threading
    import time

    reached = threading.Event()
    calls = {"n": 0}

    def stalled(*args, **kwargs):
        if threading.current_thread().name == thread_name:
            calls["n"] += 1
            if calls["n"] == on_call:
                reached.set()
                time.sleep(0.3)
        return original(*args, **kwargs)

    return stalled, reached


def _put_while_another_put_of_the_same_key_reads_it(monkeypatch) -> tuple[list[Exception], bytes]:
    """Two puts of one key: the second lands while the first is computing its response (its ETag)."""
    import threading

    from moto.s3.models import FakeKey

    slow_etag, reading = _stalled(FakeKey.etag.fget, "first-put")
    monkeypatch.setattr(FakeKey, "etag", property(slow_etag))
    errors: list[Exception] = []
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="documents")

        def first() -> None:
            try:
                s3.put_object(Bucket="documents", Key="policy.pdf", Body=b"first")
            except Exception as error:  # noqa: BLE001 - the race's failure is the result
                errors.append(error)

        thread = threading.Thread(target=first, name="first-put")
        thread.start()
        assert reading.wait(5)
        s3.put_object(Bucket="documents", Key="policy.pdf", Body=b"second")
        thread.join(5)
        stored = s3.get_object(Bucket="documents", Key="policy.pdf")["Body"].read()
    return errors, stored


def test_concurrent_puts_of_one_s3_key_both_succeed(monkeypatch):
    errors, stored = _put_while_another_put_of_the_same_key_reads_it(monkeypatch)
    assert errors == []
    assert stored == b"second"  # the later put wins, as in S3


def test_without_the_fix_the_same_race_fails_in_moto(monkeypatch):
    with moto_fixes.without("s3-overwrite-while-read"):
        errors, _ = _put_while_another_put_of_the_same_key_reads_it(monkeypatch)
    assert errors, "moto no longer closes a key's buffer under a concurrent reader: the patch may be dropped"
    assert "closed file" in str(errors[0])


def _delete_while_another_delete_rebuilds_the_queue(monkeypatch) -> int:
    """Two received messages deleted at once (two batches finishing together): while moto rebuilds the message
    list for the first delete, the second delete completes. How many messages the queue still holds."""
    import threading

    from moto.sqs.models import Message

    # the first call checks the handle, the second is the rebuild
    slow_had_receipt_handle, rebuilding = _stalled(Message.had_receipt_handle, "first-delete", on_call=2)
    monkeypatch.setattr(Message, "had_receipt_handle", slow_had_receipt_handle)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="requests")["QueueUrl"]
        for body in ("first", "second"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        handles = {message["Body"]: message["ReceiptHandle"] for message in received}
        assert set(handles) == {"first", "second"}
        thread = threading.Thread(
            target=lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handles["first"]), name="first-delete"
        )
        thread.start()
        assert rebuilding.wait(5)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handles["second"])
        thread.join(5)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_two_messages_deleted_at_once_are_both_gone(monkeypatch):
    assert _delete_while_another_delete_rebuilds_the_queue(monkeypatch) == 0


def test_without_the_fix_moto_brings_back_a_message_deleted_during_another_delete(monkeypatch):
    with moto_fixes.without("sqs-delete-locked"):
        left = _delete_while_another_delete_rebuilds_the_queue(monkeypatch)
    assert left == 1, "moto no longer brings a deleted message back: the patch may be dropped"


def _two_conditional_creates_of_one_item(monkeypatch) -> list[str]:
    """Two `attribute_not_exists` puts of one key: the second arrives while the first has read the (missing) item
    and not yet written. What each got."""
    from moto.dynamodb.models.dynamo_type import Item

    slow_init, checking = _stalled(Item.__init__, "first-create")
    monkeypatch.setattr(Item, "__init__", slow_init)
    outcomes: list[str] = []
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

        def create(owner: str) -> None:
            try:
                ddb.put_item(
                    TableName="t",
                    Item={"pk": {"S": "CHARGE#1"}, "owner": {"S": owner}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                outcomes.append(f"{owner} created")
            except ddb.exceptions.ConditionalCheckFailedException:
                outcomes.append(f"{owner} refused")

        thread = threading.Thread(target=create, args=("first",), name="first-create")
        thread.start()
        assert checking.wait(5)
        create("second")
        thread.join(5)
    return sorted(outcomes)


def test_one_of_two_concurrent_conditional_creates_wins(monkeypatch):
    assert _two_conditional_creates_of_one_item(monkeypatch) == ["first created", "second refused"]


def test_without_the_fix_moto_lets_both_pass_one_condition(monkeypatch):
    with moto_fixes.without("dynamodb-atomic"):
        outcomes = _two_conditional_creates_of_one_item(monkeypatch)
    assert outcomes == ["first created", "second created"], "moto now applies writes atomically: may be dropped"


PIPELINE = {
    "StartAt": "Copy",
    "States": {
        "Copy": {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n", "items.$": "$.items[0:2]", "fixed": {"x": 1}},
            "ResultPath": "$.copied",
            "Next": "Call",
        },
        "Call": {
            "Type": "Task",
            "Resource": "${Echo}",
            "InputPath": "$.copied",
            "ResultPath": "$.echoed",
            "Next": "Size",
        },
        "Size": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.copied.n", "NumericGreaterThan": 1, "Next": "Big"}],
            "Default": "Small",
        },
        "Big": {"Type": "Pass", "Result": {"size": "big"}, "ResultPath": "$.verdict", "End": True},
        "Small": {"Type": "Pass", "Result": {"size": "small"}, "ResultPath": "$.verdict", "End": True},
    },
}


class _EchoHost:
    """Stands in for the functions host: echoes the event, or fails for n = 3."""

    def invoke(self, name: str, event: dict) -> dict:
        if event.get("n") == 3:
            raise ValueError("three is refused")
        return {"function": name, "got": event}


def _executions(count: int, pipeline: dict = PIPELINE) -> list[tuple[str, object]]:
    """`count` executions of one state machine (a Lambda task among Pass and Choice states): status and output
    or error of each."""
    from local import lambda_hook

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        lambda_hook.install(_EchoHost())  # type: ignore[arg-type]
        try:
            role = "arn:aws:iam::123456789012:role/r"
            iam = boto3.client("iam", region_name="us-east-1")
            iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
            echo = boto3.client("lambda", region_name="us-east-1").create_function(
                FunctionName="echo", Runtime="python3.13", Role=role, Handler="h.handler", Code={"ZipFile": b"x"}
            )["FunctionArn"]
            sfn = boto3.client("stepfunctions", region_name="us-east-1")
            definition = json.dumps(pipeline).replace("${Echo}", echo)
            arn = sfn.create_state_machine(name="m", definition=definition, roleArn=role)["stateMachineArn"]
            results = []
            for n in range(count):
                run = sfn.start_execution(
                    stateMachineArn=arn, name=f"e{n}", input=json.dumps({"n": n, "items": [1, 2, 3]})
                )
                deadline = time.monotonic() + 10
                while (described := sfn.describe_execution(executionArn=run["executionArn"]))["status"] == "RUNNING":
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
                outcome = json.loads(described["output"]) if "output" in described else described.get("error")
                results.append((described["status"], outcome))
            return results
        finally:
            lambda_hook.uninstall()


def test_a_state_machine_runs_again_and_again():
    results = _executions(4)
    assert [status for status, _ in results] == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"]
    assert results[2][1]["verdict"] == {"size": "big"}
    assert results[1][1]["echoed"] == {"function": "echo", "got": {"n": 1, "items": [1, 2], "fixed": {"x": 1}}}
    assert results[3][1] == "ValueError"


def test_without_the_fix_moto_fails_every_second_execution():
    passes_only = {
        "StartAt": "Copy",
        "States": {**PIPELINE["States"], "Copy": {**PIPELINE["States"]["Copy"], "Next": "Size"}},
    }
    del passes_only["States"]["Call"]
    assert [status for status, _ in _executions(2, passes_only)] == ["SUCCEEDED", "SUCCEEDED"]
    with moto_fixes.without("second-execution"), pytest.raises(Exception, match="cannot pickle"):
        _executions(2, passes_only)


@pytest.mark.parametrize(
    "name", ["asl-parsed-once", "lambda-in-process", "state-copied-as-json", "json-paths-parsed-once"]
)
def test_executions_end_the_same_with_and_without_each_interpreter_speed_patch(name):
    fast = _executions(4)
    with moto_fixes.without(name):
        assert _executions(4) == fast


def test_parsed_programs_and_paths_are_kept_per_text():
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path

    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    assert AmazonStateLanguageParser.parse(definition) is AmazonStateLanguageParser.parse(definition)
    assert json_path.parse("$.a.b") is json_path.parse("$.a.b")
    with moto_fixes.without("asl-parsed-once"), moto_fixes.without("json-paths-parsed-once"):
        assert AmazonStateLanguageParser.parse(definition) is not AmazonStateLanguageParser.parse(definition)
        assert json_path.parse("$.a.b") is not json_path.parse("$.a.b")


def test_handler_methods_are_the_same_list_with_and_without_the_patch():
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler

    listed = responses.method_names_from_class(DynamoHandler)
    with moto_fixes.without("handler-methods-listed-once"):
        assert responses.method_names_from_class(DynamoHandler) == listed
