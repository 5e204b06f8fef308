"""The published documents (JSON Schemas, AsyncAPI, the specification, the CHANGELOG)
agree with the code, and with the services that actually run."""

import json
import re
from pathlib import Path
from types import UnionType
from typing import Any, get_args, get_type_hints

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from protocol.catalogue import ASYNCAPI_PATH, SPEC_PATH, generated, stale
from protocol.catalogue.examples import EXAMPLES, conversation
from protocol.catalogue.schemas import SCHEMA_DIR
from protocol.catalogue.spec import ERROR_USES
from protocol.catalogue.surface import DELIVERIES, OPERATIONS
from protocol.envelope import decode
from protocol.errors import ErrorCode
from protocol.kinds import KINDS
from tests.support.surface import live_services

REPO = Path(__file__).resolve().parents[2]
ASYNCAPI_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"
REGENERATE = "run `make schemas` (python -m protocol.catalogue write) and commit the result"


def schema_registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in SCHEMA_DIR.glob("*.json")
    ]
    return Registry().with_resources(resources)


def envelope_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "envelope.json").read_text())
    return jsonschema.Draft202012Validator(schema, registry=schema_registry())


# --- the generated files ------------------------------------------------------------------
def test_committed_schemas_asyncapi_and_spec_match_the_code() -> None:
    differing = stale(generated())
    assert not differing, (
        f"out of date: {[str(p.relative_to(REPO)) for p in differing]}; {REGENERATE}"
    )


def test_there_is_one_schema_per_kind_and_one_for_the_envelope() -> None:
    names = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert names == {f"{kind}.json" for kind in KINDS} | {"envelope.json"}


def test_every_generated_schema_is_a_valid_json_schema() -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_every_example_is_valid_under_the_envelope_schema() -> None:
    validator = envelope_validator()
    for kind, env in EXAMPLES.items():
        errors = [e.message for e in validator.iter_errors(env.to_dict())]
        assert not errors, f"{kind}: {errors}"


def test_the_envelope_schema_checks_the_body_against_its_kind() -> None:
    bad = EXAMPLES["task_result"].to_dict()
    del bad["body"]["task_id"]
    assert not envelope_validator().is_valid(bad)
    other_major = {**EXAMPLES["heartbeat"].to_dict(), "protocol": "ioa/2"}
    assert not envelope_validator().is_valid(other_major)


# --- the AsyncAPI document ----------------------------------------------------------------
def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ASYNCAPI_PATH.read_text())
    return document


def test_asyncapi_document_is_valid_against_the_official_asyncapi_3_schema() -> None:
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(asyncapi())
    ]
    assert not errors


def test_the_official_schema_would_catch_a_broken_document() -> None:
    # A control: the validation above is not vacuous.
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    broken = asyncapi()
    broken["operations"]["registry.register.send"]["action"] = "publish"  # AsyncAPI 2 wording
    assert not validator.is_valid(broken)


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = asyncapi()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        if ref.startswith("#/"):
            node: Any = document
            for token in ref[2:].split("/"):
                assert token in node, f"dangling reference {ref}"
                node = node[token]
        else:
            assert (ASYNCAPI_PATH.parent / ref).resolve().is_file(), f"missing file {ref}"


def test_asyncapi_has_a_channel_and_both_sides_for_every_operation_and_delivery() -> None:
    document = asyncapi()
    for name in [op.key for op in OPERATIONS] + [d.name for d in DELIVERIES]:
        assert name in document["channels"]
        assert document["operations"][f"{name}.send"]["action"] == "send"
        assert document["operations"][f"{name}.receive"]["action"] == "receive"
    assert set(document["components"]["messages"]) == set(KINDS)


def test_every_request_operation_replies_with_its_result_or_an_error() -> None:
    operations = asyncapi()["operations"]
    for op in OPERATIONS:
        reply = operations[f"{op.key}.send"]["reply"]["messages"]
        assert {r["$ref"].rsplit("/", 1)[1] for r in reply} == {*op.returns, "error"}


# --- the table of operations against the live services ------------------------------------
def kinds_of(annotation: Any) -> set[str]:
    models = get_args(annotation) if isinstance(annotation, UnionType) else (annotation,)
    return {model.KIND for model in models}


def test_the_documented_operations_are_exactly_the_routes_the_services_serve() -> None:
    documented = {op.key: op for op in OPERATIONS}
    live: dict[str, Any] = {}
    for service in live_services():
        live |= {f"{service.name}.{op}": route for op, route in service.routes.items()}
    undocumented, gone = sorted(set(live) - set(documented)), sorted(set(documented) - set(live))
    assert not undocumented and not gone, (
        f"served but not documented: {undocumented}; documented but not served: {gone}; "
        f"update OPERATIONS in protocol/catalogue/surface.py, then {REGENERATE}"
    )
    for key, route in live.items():
        op = documented[key]
        assert {cls.KIND for cls in route.takes} == set(op.takes), key
        assert kinds_of(get_type_hints(route.handler)["return"]) == set(op.returns), key


# --- the specification --------------------------------------------------------------------
JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def test_every_json_example_in_the_specification_decodes() -> None:
    blocks = JSON_BLOCK.findall(SPEC_PATH.read_text())
    assert len(blocks) >= len(KINDS) + len(conversation())
    for block in blocks:
        env = decode(block)  # raises a typed IoaError with the reason
        assert env.type in KINDS


def test_the_specification_shows_every_kind_and_every_error_code() -> None:
    text = SPEC_PATH.read_text()
    for kind in KINDS:
        assert f"#### `{kind}`" in text
    for code in ErrorCode:
        assert f"| `{code.value}` |" in text
    assert set(ERROR_USES) == set(ErrorCode)


def test_the_example_conversation_runs_from_register_to_conclusion() -> None:
    kinds = [step.envelope.type for step in conversation()]
    for earlier, later in [
        ("register", "team_invite"),
        ("team_invite", "team_accept"),
        ("team_accept", "chat_message"),
        ("task_assign", "task_result"),
        ("task_result", "conclusion"),
    ]:
        assert kinds.index(earlier) < kinds.index(later)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_changelog_entry(kind: str) -> None:
    assert f"`{kind}`" in (REPO / "CHANGELOG.md").read_text(), (
        f"kind {kind!r} is not in CHANGELOG.md; every protocol change needs an entry"
    )
