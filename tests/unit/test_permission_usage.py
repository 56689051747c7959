"""plateguard.compliance.usage: grants of each function role that no recorded call used."""

from __future__ import annotations

from typing import Any

from plateguard.compliance.usage import permission_usage

TABLE_ARN = "arn:aws:dynamodb:us-west-2:123456789012:table/pg-reads"
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/DataKey"


def _template() -> dict[str, Any]:
    def function(handler: str, role: str) -> dict[str, Any]:
        return {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": handler, "Role": {"Fn::GetAtt": [role, "Arn"]}},
        }

    table, key = {"Fn::GetAtt": ["ReadsTable", "Arn"]}, {"Fn::GetAtt": ["DataKey", "Arn"]}
    statements = [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"], "Resource": table},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
        {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
    ]
    return {
        "Resources": {
            "DataKey": {"Type": "AWS::KMS::Key", "Properties": {}},
            "ReadsTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {"SSESpecification": {"KMSMasterKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]}}},
            },
            "ReaderRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Reader": function("plateguard.handlers.reader.handle", "ReaderRole"),
            "ReaderPolicy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"Roles": [{"Ref": "ReaderRole"}], "PolicyDocument": {"Statement": statements}},
            },
            "CdkHandlerRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "CdkHandler": function("index.handler", "CdkHandlerRole"),
        }
    }


def test_unused_grants_are_listed_and_implied_kms_and_runtime_grants_are_not() -> None:
    # Given a record made without the template: one GetItem, no KMS permission recorded with it
    record = {
        "account": "123456789012",
        "region": "us-west-2",
        "physical_names": {"ReadsTable": "pg-reads"},
        "calls": [
            {
                "principal": "plateguard.handlers.reader.handle",
                "service": "dynamodb",
                "operation": "GetItem",
                "permissions": [["dynamodb:GetItem", TABLE_ARN]],
            }
        ],
    }
    # When the usage is computed
    usage = permission_usage(_template(), record)
    # Then only our functions are reported, and only DeleteItem is unused: the table's key is implied
    # by the template, logs are the Lambda runtime's
    assert [(u.handler, u.calls) for u in usage] == [("plateguard.handlers.reader.handle", 1)]
    assert usage[0].unused == [("dynamodb:DeleteItem", TABLE_ARN)]
    assert usage[0].service_used == [("logs:PutLogEvents", "*")]
    assert ("kms:Decrypt", KEY_ARN) not in usage[0].unused
