"""The cold-start baseline: a naive handler with everything at module level (Logger, Metrics, Tracer, a
validating resolver, pydantic, idempotency persistence and a boto3 client), as ARCHITECTURE.md describes it."""

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from pydantic import BaseModel

logger = Logger()
metrics = Metrics(namespace="Baseline")
tracer = Tracer()
app = APIGatewayRestResolver(enable_validation=True)
persistence = DynamoDBPersistenceLayer(table_name="idempotency")
config = IdempotencyConfig(event_key_jmespath="body")
dynamodb = boto3.client("dynamodb")


class Item(BaseModel):
    kind: str
    value: str


@app.post("/items")
def create_item(item: Item) -> dict:
    dynamodb.put_item(TableName="table", Item={"pk": {"S": item.kind}, "sk": {"S": item.value}})
    return {"ok": True}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return app.resolve(event, context)
