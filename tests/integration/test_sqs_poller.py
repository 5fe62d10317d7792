"""The local event source mapping behaves as Lambda's: batches of 10, partial batch failures honoured,
dead-letter queue after maxReceiveCount."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from moto import mock_aws

from local.sqs_poller import QueuePoller


class RecordingConsumer:
    """Stands in for the functions host: records batches and fails the records it is told to."""

    def __init__(self, fail_bodies: set[str]) -> None:
        self.fail_bodies = fail_bodies
        self.batches: list[list[str]] = []
        self.lock = threading.Lock()

    def invoke(self, name: str, event: dict) -> dict:
        bodies = [r["body"] for r in event["Records"]]
        with self.lock:
            self.batches.append(bodies)
        assert all(r["eventSource"] == "aws:sqs" for r in event["Records"])
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in self.fail_bodies
            ]
        }


@pytest.fixture
def queues(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName="work",
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})},
        )["QueueUrl"]
        yield sqs, url, dlq


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _count(sqs, url) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_partial_batch_failures_are_retried_then_dead_lettered(queues):
    sqs, url, dlq = queues
    # Given 25 messages of which one always fails
    for n in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    consumer = RecordingConsumer(fail_bodies={"m7"})
    poller = QueuePoller(sqs, consumer, queue_name="work", queue_url=url, consumer="c", concurrency=2)
    # When the poller runs
    poller.start()
    try:
        dead = _wait(lambda: _count(sqs, dlq) == 1 and _count(sqs, url) == 0)
    finally:
        poller.stop()
    # Then no batch exceeded 10 records, every good message was delivered and deleted once handled,
    # and the failing one was retried until maxReceiveCount and then moved to the dead-letter queue
    assert dead
    assert max(len(b) for b in consumer.batches) <= 10
    delivered = [body for batch in consumer.batches for body in batch]
    assert {f"m{n}" for n in range(25)} <= set(delivered)
    assert all(delivered.count(f"m{n}") == 1 for n in range(25) if n != 7)
    assert delivered.count("m7") == 3
    body = sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"]
    assert body == "m7"


def test_a_crashed_invocation_fails_the_whole_batch(queues):
    sqs, url, _ = queues
    sqs.send_message(QueueUrl=url, MessageBody="only")

    class Crashing:
        calls = 0

        def invoke(self, name, event):
            Crashing.calls += 1
            if Crashing.calls == 1:
                raise RuntimeError("handler crashed")
            return {"batchItemFailures": []}

    poller = QueuePoller(sqs, Crashing(), queue_name="work", queue_url=url, consumer="c", concurrency=1)
    poller.start()
    try:
        assert _wait(lambda: Crashing.calls >= 2 and _count(sqs, url) == 0)
    finally:
        poller.stop()
