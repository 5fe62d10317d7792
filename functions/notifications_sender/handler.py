"""Notifications sender: consumes notification batches, delivers each message (partial batch failures: a message
whose provider was unavailable is retried by SQS, then dead-lettered)."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.roots import Lazy
from insure.roots.notifications import NotificationsRoot

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)
root = Lazy(NotificationsRoot.from_environment)


def record_handler(record: SQSRecord) -> None:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    root().sender.handle(json.loads(record.body), receive_count)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return {**response}
