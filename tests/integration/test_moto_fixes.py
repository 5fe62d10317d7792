"""The speed fixes in local/moto_fixes.py give the same answers as moto's generic code paths."""

from __future__ import annotations

import copy
import datetime
import decimal
import json

import boto3
import pytest
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer, XFormedAttributePicker, get_serializer_class

from local import moto_fixes

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
    moto_fixes.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
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


def test_plain_attribute_values_serialize_exactly_as_the_generic_walk(monkeypatch):
    moto_fixes.install()
    plain = {k: v for k, v in ITEM.items() if k not in ("blob", "blobs")}
    plain["input"] = {"M": {k: v for k, v in ITEM["input"]["M"].items() if k != "nested_blob"}}
    results = {
        "GetItem": {"Item": copy.deepcopy(plain)},
        "Query": {"Items": [copy.deepcopy(plain), copy.deepcopy(plain)], "Count": 2, "ScannedCount": 2},
        "UpdateItem": {"Attributes": copy.deepcopy(plain)},
    }
    fast = {operation: _serialize(operation, copy.deepcopy(result)) for operation, result in results.items()}
    monkeypatch.delattr(BaseJSONSerializer, "_serialize")  # back to moto's generic ResponseSerializer._serialize
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


def test_queries_on_the_table_key_answer_as_moto_does(table, monkeypatch):
    from moto.dynamodb.models.table import Table

    _put_partitions(table)
    fast = [_all_pages(table, q) for q in QUERIES]
    assert [len(p[0][0]) for p in fast] == [3, 3, 1, 0]  # Limit applies before the filter
    assert [item["sk"]["S"] for page in fast[1] for item in page[0]][:3] == ["INS#06", "INS#05", "INS#04"]
    originals = {
        c.cell_contents.__name__: c.cell_contents for c in Table.query.__closure__ if callable(c.cell_contents)
    }
    monkeypatch.setattr(Table, "query", originals["query"])
    generic = [_all_pages(table, q) for q in QUERIES]
    assert fast == generic


def test_an_update_expression_text_applies_to_each_item_with_its_own_values(table):
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


def test_sqs_still_drops_messages_past_their_retention_period():
    import time

    moto_fixes.install()
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
        assert [m["Body"] for m in received] == ["new"]


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
    moto_fixes.install()
    errors, stored = _put_while_another_put_of_the_same_key_reads_it(monkeypatch)
    assert errors == []
    assert stored == b"second"  # the later put wins, as in S3


def test_without_the_fix_the_same_race_fails_in_moto(monkeypatch):
    moto_fixes.install()
    from moto.s3.responses import S3Response

    for name in ("ambiguous_response", "bucket_response", "key_response"):
        monkeypatch.setattr(S3Response, name, moto_fixes.GENERIC[f"S3Response.{name}"])
    errors, _ = _put_while_another_put_of_the_same_key_reads_it(monkeypatch)
    assert errors, "moto no longer closes a key's buffer under a concurrent reader: fix 10 may be dropped"
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
    moto_fixes.install()
    assert _delete_while_another_delete_rebuilds_the_queue(monkeypatch) == 0


def test_without_the_fix_moto_brings_back_a_message_deleted_during_another_delete(monkeypatch):
    moto_fixes.install()
    from moto.sqs.models import Queue

    monkeypatch.setattr(Queue, "delete_message", moto_fixes.GENERIC["Queue.delete_message"])
    left = _delete_while_another_delete_rebuilds_the_queue(monkeypatch)
    assert left == 1, "moto no longer brings a deleted message back: fix 11 may be dropped"
