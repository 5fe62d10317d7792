"""Insurer fan-out: consumes insurer-requests batches, calls the batch's insurers concurrently, reports partial
batch failures (a failing insurer is retried by SQS while the others proceed), and pushes each record's changes
live and queues its next poll as soon as it is done (records finishing together at once)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.risk.batches import concurrent_batch_processor
from insure.risk.fanout import InsurerRequest
from insure.risk.filing import Outcome
from insure.roots import Lazy
from insure.roots.risk import RiskRoot

logger = Logger()
root = Lazy(RiskRoot.from_environment)


def _settled(outcomes: list[tuple[str, Outcome]]) -> set[str]:
    return root().worker.complete(outcomes)


processor = concurrent_batch_processor(settled=_settled)


def record_handler(record: SQSRecord) -> Outcome:
    message = InsurerRequest.model_validate_json(record.body)
    receive_count = int(record.attributes.approximate_receive_count or 1)
    return root().worker.handle(message, receive_count)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failures: list[dict[str, Any]] = [{**f} for f in response.get("batchItemFailures", [])]
    failures += [{"itemIdentifier": record_id} for record_id in sorted(processor.unqueued)]
    return {**response, "batchItemFailures": failures}
