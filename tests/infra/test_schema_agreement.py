"""schema.py is the single source of truth: every TableSpec becomes exactly that table."""

from __future__ import annotations

from typing import Any

import pytest

from plateguard import schema
from tests.infra.helpers import Synthesized


def _keys(key_schema: list[dict[str, str]]) -> tuple[str, str | None]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
    return by_type["HASH"], by_type.get("RANGE")


def _table(synth: Synthesized, spec: schema.TableSpec) -> dict[str, Any]:
    tables = synth.resources("AWS::DynamoDB::Table")
    assert spec.logical_id in tables, f"{spec.logical_id} missing; tables: {sorted(tables)}"
    return tables[spec.logical_id]["Properties"]


def test_every_table_in_the_template_comes_from_the_schema(synth: Synthesized) -> None:
    # Given the synthesized stack / When listing its tables / Then they are exactly schema.TABLES
    assert set(synth.resources("AWS::DynamoDB::Table")) == {spec.logical_id for spec in schema.TABLES}


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.logical_id)
def test_table_keys_indexes_and_ttl_match_the_schema(synth: Synthesized, spec: schema.TableSpec) -> None:
    # Given a TableSpec / When its table is synthesized
    props = _table(synth, spec)
    # Then the primary key is the spec's
    assert _keys(props["KeySchema"]) == (spec.keys.partition_key, spec.keys.sort_key)
    # And the GSIs are the spec's, by name and keys, nothing more
    indexes = {gsi["IndexName"]: _keys(gsi["KeySchema"]) for gsi in props.get("GlobalSecondaryIndexes", [])}
    assert indexes == {i.name: (i.keys.partition_key, i.keys.sort_key) for i in spec.indexes}
    # And every key attribute is declared with the spec's type (strings; epoch seconds as numbers), only those
    declared = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert declared == spec.key_attribute_types
    # And each index projects what the spec says (all, or keys plus the listed attributes)
    projections = {gsi["IndexName"]: gsi["Projection"] for gsi in props.get("GlobalSecondaryIndexes", [])}
    for index in spec.indexes:
        projected = projections[index.name]
        if index.include is None:
            assert projected["ProjectionType"] == "ALL"
        else:
            assert sorted(projected.get("NonKeyAttributes", [])) == sorted(index.include)
            assert projected["ProjectionType"] == ("INCLUDE" if index.include else "KEYS_ONLY")
    # And the TTL attribute is the spec's (or TTL is off)
    ttl = props.get("TimeToLiveSpecification")
    if spec.ttl_attribute is None:
        assert ttl is None
    else:
        assert ttl == {"AttributeName": spec.ttl_attribute, "Enabled": True}


@pytest.mark.parametrize("spec", schema.BUCKETS, ids=lambda s: s.logical_id)
def test_buckets_queue_and_topic_keep_their_schema_logical_ids(synth: Synthesized, spec: schema.BucketSpec) -> None:
    # Given the schema's named resources / Then each exists under that logical ID with the right type
    assert synth.raw["Resources"][spec.logical_id]["Type"] == "AWS::S3::Bucket"
    assert synth.raw["Resources"][schema.INGEST_QUEUE.logical_id]["Type"] == "AWS::SQS::Queue"
    assert synth.raw["Resources"][schema.ALERT_TOPIC.logical_id]["Type"] == "AWS::SNS::Topic"
