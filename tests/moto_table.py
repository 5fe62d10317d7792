"""A bare table with the platform's key schema (`pk`, `sk`) in moto, for tests of one repository or one moto patch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from moto import mock_aws


def key_table(name: str = "t") -> Iterator[Any]:
    """Yields a DynamoDB client of a fresh moto account holding the table `name` (use as a fixture's body)."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client
