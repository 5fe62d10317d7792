"""Tables, the documents bucket and the secrets, as declared, with their protections."""

from __future__ import annotations

import pytest

import declaration

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


@pytest.mark.parametrize("declared", [pytest.param(t, id=t.name) for t in declaration.TABLES])
def test_table_has_its_keys_pitr_encryption_ttl_and_indexes(synthesized, declared):
    props = synthesized.properties(synthesized.stack.tables.by_name[declared.name])
    keys = [{"AttributeName": declared.partition_key, "KeyType": "HASH"}]
    if declared.sort_key:
        keys.append({"AttributeName": declared.sort_key, "KeyType": "RANGE"})
    assert props["KeySchema"] == keys
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    if declared.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": declared.ttl_attribute, "Enabled": True}
    indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == set(declared.indexes)
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}pk", "KeyType": "HASH"},
            {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
        ]
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert set(types.values()) == {"S"}, "every key is a string"


def test_the_single_table_and_the_idempotency_table_are_both_declared():
    by_name = {t.name: t for t in declaration.TABLES}
    assert by_name[declaration.TABLE].indexes == ("gsi1",)
    assert by_name[declaration.IDEMPOTENCY].partition_key == "id"
    assert by_name[declaration.IDEMPOTENCY].ttl_attribute == "expiration"


@pytest.mark.parametrize("declared", [pytest.param(b, id=b.name) for b in declaration.BUCKETS])
def test_bucket_is_private_encrypted_versioned_logged_and_tls_only(synthesized, declared):
    from aws_cdk.assertions import Match  # CDK loads only where a test needs it

    stack = synthesized.stack
    bucket = stack.buckets.by_name[declared.name]
    props = synthesized.properties(bucket)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synthesized.logical_id(stack.buckets.access_logs)
    }
    synthesized.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": synthesized.logical_id(bucket)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            },
        },
    )


@pytest.mark.parametrize("declared", [pytest.param(s, id=s.name) for s in declaration.SECRETS])
def test_secret_exists_with_its_description_and_a_generated_value(synthesized, declared):
    props = synthesized.properties(synthesized.stack.secrets.by_name[declared.name])
    assert props["Description"] == declared.description
    assert "GenerateSecretString" in props
    assert "SecretString" not in props, "no secret value in the template"
