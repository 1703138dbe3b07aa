"""The JSON Schema for agreement front matter: committed, up to date, complete, and true to the model."""

from __future__ import annotations

import json
from decimal import Decimal

import jsonschema
import pytest

from clausier.schema import SCHEMA_PATH, schema_text
from clausier.yamlio import split_front_matter

from conftest import PROJECT


def _schema() -> dict:
    return json.loads((PROJECT / SCHEMA_PATH).read_text(encoding="utf-8"))


def test_the_committed_schema_is_up_to_date():
    assert (PROJECT / SCHEMA_PATH).read_text(encoding="utf-8") == schema_text(), \
        "run `.venv/bin/clausier schema` and commit schema/agreement.schema.json"


def test_every_object_forbids_unknown_keys_and_every_field_is_described():
    def walk(node, where):
        if isinstance(node, dict):
            if "properties" in node:
                assert node.get("additionalProperties") is False, where
                for name, prop in node["properties"].items():
                    assert prop.get("description"), f"{where}.{name} has no description"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    schema = _schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    walk(schema, "#")


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


@pytest.mark.parametrize("path", sorted((PROJECT / "agreements").glob("*.md")), ids=lambda p: p.name)
def test_the_example_agreements_validate_against_the_schema(path):
    front = split_front_matter(path.read_text(encoding="utf-8"), path.name).meta.data
    jsonschema.Draft7Validator(_schema()).validate(_json_ready(front))


def test_the_schema_rejects_a_typo():
    front = split_front_matter((PROJECT / "agreements/2026-014-atelier-lumiere.md").read_text(), "a.md").meta.data
    front["feess"] = front.pop("fees")
    errors = list(jsonschema.Draft7Validator(_schema()).iter_errors(_json_ready(front)))
    assert any("feess" in e.message for e in errors)
