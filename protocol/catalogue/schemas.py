"""JSON Schemas of every ``ioa/1`` body kind and of the envelope, generated from the models.

Each body kind ``K`` has ``protocol/schemas/ioa-1/K.json``; ``envelope.json`` checks the
envelope and, through ``if``/``then`` on ``type``, refers each body to its kind's file
(relative references, so the folder works as it is from disk or from a URL).
"""

import json
from pathlib import Path
from typing import Any

from protocol.envelope import MAJOR_VERSION, Envelope
from protocol.ids import ID_PATTERN
from protocol.kinds import KINDS, Body

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / f"ioa-{MAJOR_VERSION}"
PROTOCOL_PATTERN = rf"^ioa/{MAJOR_VERSION}(\..+)?$"


def body_schema(model: type[Body]) -> dict[str, Any]:
    """The JSON Schema of one body kind, as receivers validate it."""
    schema = model.model_json_schema(mode="validation")
    _require_discriminators(schema)
    return {"$schema": DIALECT, "x-ioa-kind": model.KIND, **schema}


def _require_discriminators(schema: dict[str, Any]) -> None:
    """Mark each discriminator property required in the variants it picks.

    A part's ``kind`` has a default in the model, so pydantic leaves it out of
    ``required``; but a discriminated union cannot pick a variant without it, and
    receivers refuse a part that lacks it. The schema must say so.
    """
    defs = schema.get("$defs", {})

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            discriminator = node.get("discriminator")
            if isinstance(discriminator, dict):
                tag = discriminator["propertyName"]
                for ref in discriminator.get("mapping", {}).values():
                    variant = defs[ref.rsplit("/", 1)[1]]
                    variant["required"] = sorted({*variant.get("required", []), tag})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def envelope_schema() -> dict[str, Any]:
    """The envelope; its ``body`` is checked against the schema of the kind in ``type``."""
    schema = Envelope[Body].model_json_schema(mode="validation")
    schema.pop("$defs", None)
    props = schema["properties"]
    props["protocol"] = {
        "type": "string",
        "pattern": PROTOCOL_PATTERN,
        "default": f"ioa/{MAJOR_VERSION}",
        "description": "ioa/<major>[.<minor>]; another major version is refused with "
        "unsupported_version.",
    }
    props["type"] = {"type": "string", "enum": sorted(KINDS), "description": "The body's kind."}
    props["body"] = {"type": "object", "description": "The body; see <type>.json."}
    props["id"]["description"] = "Unique message id; also the Nats-Msg-Id header."
    # Receivers read ids with exactly this pattern (pydantic's schema already has it).
    assert props["id"]["pattern"] == ID_PATTERN
    schema["required"] = sorted(set(schema.get("required", [])) | {"protocol", "type"})
    schema["title"] = "Envelope"
    schema["description"] = (
        f"One ioa/{MAJOR_VERSION} message. Unknown fields are ignored within the major version."
    )
    schema["allOf"] = [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"properties": {"body": {"$ref": f"{kind}.json"}}},
        }
        for kind in sorted(KINDS)
    ]
    return {"$schema": DIALECT, **schema}


def schema_files() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every body kind plus ``envelope.json``."""
    files = {f"{kind}.json": body_schema(model) for kind, model in KINDS.items()}
    files["envelope.json"] = envelope_schema()
    return dict(sorted(files.items()))


def dumps(document: Any) -> str:
    """The one stable text form of a generated JSON document."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
