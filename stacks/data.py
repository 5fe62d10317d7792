"""Where the platform keeps things: the declared DynamoDB tables, the documents bucket, the secrets."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

import declaration
from stacks.conventions import pascal

ACCESS_LOG_RETENTION_DAYS = 365


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Tables(Construct):
    """Every declared table: pay-per-request, point-in-time recovery, encrypted, TTL and GSIs as declared."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, dynamodb.Table] = {}
        for declared in declaration.TABLES:
            table = dynamodb.Table(
                self,
                pascal(declared.name),
                partition_key=_string(declared.partition_key),
                sort_key=_string(declared.sort_key) if declared.sort_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=declared.ttl_attribute,
                removal_policy=RemovalPolicy.RETAIN,
            )
            for index in declared.indexes:
                table.add_global_secondary_index(
                    index_name=index,
                    partition_key=_string(f"{index}pk"),
                    sort_key=_string(f"{index}sk"),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            self.by_name[declared.name] = table


class Buckets(Construct):
    """Every declared bucket: private, TLS only, encrypted, versioned, access-logged to one log bucket."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_RETENTION_DAYS))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.by_name: dict[str, s3.Bucket] = {}
        for declared in declaration.BUCKETS:
            self.by_name[declared.name] = s3.Bucket(
                self,
                pascal(declared.name),
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                encryption=s3.BucketEncryption.S3_MANAGED,
                enforce_ssl=True,
                versioned=True,
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{declared.name}/",
                removal_policy=RemovalPolicy.RETAIN,
            )


class Secrets(Construct):
    """Every declared secret, created with a random value (rotate or replace it after the first deploy)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, secretsmanager.Secret] = {}
        for declared in declaration.SECRETS:
            self.by_name[declared.name] = secretsmanager.Secret(
                self,
                pascal(declared.name),
                description=declared.description,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    exclude_punctuation=True, password_length=48
                ),
            )
