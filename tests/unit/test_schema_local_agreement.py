"""plateguard.schema is the one source of truth: local provisioning and pynamodb models must agree."""

from __future__ import annotations

import pytest

from plateguard import schema
from plateguard.dal.tables import MODELS_BY_TABLE
from plateguard.local.provision import table_definition


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.logical_id)
def test_local_create_table_arguments_follow_the_schema(spec: schema.TableSpec) -> None:
    definition = table_definition(spec, "t")
    keys = {k["KeyType"]: k["AttributeName"] for k in definition["KeySchema"]}
    assert keys.get("HASH") == spec.keys.partition_key
    assert keys.get("RANGE") == spec.keys.sort_key
    indexes = {
        gsi["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in gsi["KeySchema"]}
        for gsi in definition.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {
        i.name: {k: v for k, v in (("HASH", i.keys.partition_key), ("RANGE", i.keys.sort_key)) if v}
        for i in spec.indexes
    }
    declared = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    assert declared == spec.key_attribute_types
    projections = {gsi["IndexName"]: gsi["Projection"] for gsi in definition.get("GlobalSecondaryIndexes", [])}
    for index in spec.indexes:
        assert sorted(projections[index.name].get("NonKeyAttributes", [])) == sorted(index.include or ())


@pytest.mark.parametrize("logical_id", sorted(MODELS_BY_TABLE))
def test_pynamodb_models_use_the_schema_keys_indexes_and_ttl(logical_id: str) -> None:
    spec = next(s for s in schema.TABLES if s.logical_id == logical_id)
    model = MODELS_BY_TABLE[logical_id]
    attributes = model.get_attributes()
    hash_keys = [name for name, a in attributes.items() if a.is_hash_key]
    range_keys = [name for name, a in attributes.items() if a.is_range_key]
    assert hash_keys == [spec.keys.partition_key]
    assert range_keys == ([spec.keys.sort_key] if spec.keys.sort_key else [])
    model_indexes = {index.Meta.index_name for index in model._indexes.values()}
    assert model_indexes == {i.name for i in spec.indexes}
    for index_spec in spec.indexes:
        for key in (index_spec.keys.partition_key, index_spec.keys.sort_key):
            assert key is None or key in attributes
            # A number key in the schema is a number in the model (and a string a string)
            if key:
                assert attributes[key].attr_type == spec.key_attribute_types[key]
    if spec.ttl_attribute:
        assert spec.ttl_attribute in attributes


def test_every_table_with_a_model_is_in_the_schema() -> None:
    assert set(MODELS_BY_TABLE) <= {s.logical_id for s in schema.TABLES}
