"""The JSON Schema of agreement front matter (draft-07), for editors and CI."""

from __future__ import annotations

import json
from typing import Any, Sequence

from .models import LANGUAGES, Agreement

SCHEMA_PATH = "schema/agreement.schema.json"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def agreement_schema(languages: Sequence[str] = LANGUAGES) -> dict[str, Any]:
    """Pydantic's schema, moved to draft-07 ($defs → definitions), every enum value listed;
    `language` is one of the library's `languages` (clausier.yml)."""
    schema = Agreement.model_json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs", {})
    schema["properties"]["language"]["anyOf"] = [{"enum": list(languages), "type": "string"}, {"type": "null"}]
    result = {
        "$schema": DRAFT_07,
        "$id": "https://clausier.example/schema/agreement.schema.json",
        "title": "Clausier agreement front matter",
        "description": "The YAML front matter of one agreement file in agreements/: the transaction that the "
                       "template and the clause library turn into a contract.",
        **schema,
        "definitions": definitions,
    }
    _document_enums(result)
    _keep_descriptions_beside_refs(result)
    return result


def _keep_descriptions_beside_refs(node: Any) -> None:
    """Draft-07 ignores keywords beside $ref: wrap the reference so descriptions stay visible."""
    if isinstance(node, dict):
        for value in node.values():
            _keep_descriptions_beside_refs(value)
        if "$ref" in node and len(node) > 1:
            node["allOf"] = [{"$ref": node.pop("$ref")}]
    elif isinstance(node, list):
        for value in node:
            _keep_descriptions_beside_refs(value)


def _document_enums(node: Any) -> None:
    """Say the allowed values in every description, so editors show them on hover."""
    if isinstance(node, dict):
        if "enum" in node and "description" in node and "one of:" not in node["description"]:
            node["description"] += " — one of: " + ", ".join(str(v) for v in node["enum"])
        for value in node.values():
            _document_enums(value)
    elif isinstance(node, list):
        for value in node:
            _document_enums(value)


def schema_text(languages: Sequence[str] = LANGUAGES) -> str:
    return json.dumps(agreement_schema(languages), indent=2, ensure_ascii=False) + "\n"
