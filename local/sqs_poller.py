"""SQS → Lambda event source mapping, done as AWS does it (moto's own runs inside SendMessage, one record at a
time, and ignores partial batch failures): receive batches of up to 10, invoke the consumer with a real SQS
event, delete every record but the reported failures. Failed records become visible again after a short local
retry delay and reach the dead-letter queue after the queue's maxReceiveCount."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.functions_host import FunctionsHost
from local.resources import ACCOUNT, REGION

log = logging.getLogger("local.sqs")


def to_event(records: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    k: {
                        "stringValue": v.get("StringValue"),
                        "binaryValue": v.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": v["DataType"],
                    }
                    for k, v in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in records
        ]
    }


class QueuePoller:
    """Polls one queue and feeds its consumer, up to `concurrency` batches at once."""

    def __init__(
        self,
        sqs: Any,
        host: FunctionsHost,
        *,
        queue_name: str,
        queue_url: str,
        consumer: str,
        batch_size: int = 10,
        concurrency: int = 5,
        retry_delay_s: int = 1,
    ) -> None:
        self.sqs, self.host = sqs, host
        self.queue_name, self.queue_url, self.consumer = queue_name, queue_url, consumer
        self.batch_size, self.retry_delay_s = batch_size, retry_delay_s
        self.queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}"
        self._stop = threading.Event()
        self._slots = threading.Semaphore(concurrency)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"sqs-{queue_name}")
        self._thread = threading.Thread(target=self._run, name=f"poller-{queue_name}", daemon=True)
        self.batches = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Stop polling after the current receive (the cloud asks every poller first, then waits for each)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=False)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._slots.acquire()
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception as error:  # noqa: BLE001 - the poller must outlive a failed receive
                self._slots.release()
                self.last_error = repr(error)
                if self._stop.wait(0.5):
                    return
                continue
            if not messages:
                self._slots.release()
                continue
            self._pool.submit(self._deliver, messages)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        try:
            self.batches += 1
            by_id = {m["MessageId"]: m for m in messages}
            try:
                result = self.host.invoke(self.consumer, to_event(messages, self.queue_arn)) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception as error:  # noqa: BLE001 - a crashed invocation fails the whole batch
                log.warning("consumer %s failed a whole batch: %r", self.consumer, error)
                self.last_error = repr(error)
                failed = set(by_id)
            done = [m for i, m in by_id.items() if i not in failed]
            for start in range(0, len(done), 10):
                chunk = done[start : start + 10]
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)],
                )
            for message_id in failed & set(by_id):
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=by_id[message_id]["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay_s,
                )
        finally:
            self._slots.release()
