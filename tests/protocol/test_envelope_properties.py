"""Property-based tests of the envelope: bodies are generated from the committed JSON
Schemas, so the tests also check that the schemas and the models agree.

Valid envelopes of every kind round-trip byte-exactly; invalid ones get the right error
code; no input makes ``decode`` raise anything but an :class:`IoaError`.
"""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.catalogue.schemas import SCHEMA_DIR
from protocol.envelope import DEFAULT_MAX_BYTES, Envelope, decode
from protocol.errors import ErrorCode, IoaError
from protocol.ids import is_valid_id
from protocol.kinds import KINDS

KIND_NAMES = sorted(KINDS)
# Small budgets: 46 kinds x 4 properties must stay within a few seconds on 2 shared cores.
ROUND_TRIPS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PER_KIND = settings(ROUND_TRIPS, max_examples=5)

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_:-]{0,15}", fullmatch=True)
bad_ids = st.sampled_from(["", "a.b", "a b", "a*", "a>", "-lead", "x" * 129, "é", "a\nb"])
timestamps = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def body_schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / f"{kind}.json").read_text())
    return schema


def from_schema(
    schema: dict[str, Any], root: dict[str, Any] | None = None
) -> st.SearchStrategy[Any]:
    """Values valid under ``schema``, for the subset of JSON Schema that pydantic emits
    (hypothesis-jsonschema does not work with current Hypothesis). Sizes stay small."""
    root = root or schema
    if "$ref" in schema:
        return from_schema(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        return st.one_of([from_schema(s, root) for s in schema.get("anyOf") or schema["oneOf"]])
    kind = schema.get("type")
    if kind is None:
        return json_values
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**6)), schema.get("maximum", 10**6))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1e9))
        return st.floats(
            low,
            schema.get("maximum", 1e9),
            exclude_min="exclusiveMinimum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        if schema.get("format") == "date-time":
            return timestamps.map(datetime.isoformat)
        if "pattern" in schema:
            return ids
        low = schema.get("minLength", 0)
        return st.text(min_size=low, max_size=min(schema.get("maxLength", 20), low + 20))
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", 3), low + 3)
        return st.lists(from_schema(schema.get("items", {}), root), min_size=low, max_size=high)
    assert kind == "object", schema
    properties = schema.get("properties", {})
    if "patternProperties" in schema:  # a map keyed by ids, e.g. GroupInfo.owed
        (values,) = schema["patternProperties"].values()
        return st.dictionaries(ids, from_schema(values, root), max_size=3)
    if not properties:
        return st.dictionaries(st.text(max_size=6), json_values, max_size=3)
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: from_schema(sub, root) for name, sub in properties.items() if name in required},
        optional={
            name: from_schema(sub, root) for name, sub in properties.items() if name not in required
        },
    )


@st.composite
def envelopes(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A schema-valid envelope of ``kind``, as the JSON object a peer would send."""
    env: dict[str, Any] = {
        "protocol": draw(st.sampled_from(["ioa/1", "ioa/1.0", "ioa/1.7"])),
        "id": draw(ids),
        "type": kind,
        "sender": draw(ids),
        "body": draw(from_schema(body_schema(kind))),
    }
    if draw(st.booleans()):
        env["ts"] = draw(timestamps).isoformat()
    for field in ("conversation", "group", "in_reply_to"):
        if draw(st.booleans()):
            env[field] = draw(ids)
    return env


def outcome(raw: bytes | str, **kwargs: Any) -> Envelope[Any] | IoaError:
    """What ``decode`` makes of ``raw``: an envelope or a typed error (anything else fails)."""
    try:
        return decode(raw, **kwargs)
    except IoaError as exc:
        return exc


def code_of(raw: bytes | str, **kwargs: Any) -> ErrorCode | None:
    result = outcome(raw, **kwargs)
    return result.code if isinstance(result, IoaError) else None


# --- valid envelopes ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", KIND_NAMES)
@ROUND_TRIPS
@given(data=st.data())
def test_valid_envelopes_of_every_kind_round_trip_byte_exactly(
    kind: str, data: st.DataObject
) -> None:
    raw = json.dumps(data.draw(envelopes(kind)))
    env = outcome(raw)
    assert isinstance(env, Envelope), f"a schema-valid {kind} was refused: {env}"
    encoded = env.encode()
    assert decode(encoded).encode() == encoded
    assert env.type == kind and isinstance(env.body, KINDS[kind])


@pytest.mark.parametrize("kind", KIND_NAMES)
@PER_KIND
@given(data=st.data())
def test_unknown_fields_are_ignored_within_the_major_version(
    kind: str, data: st.DataObject
) -> None:
    env = {
        **data.draw(envelopes(kind)),
        "ts": "2025-01-06T09:00:00Z",
    }  # else each decode stamps now
    extra = data.draw(
        st.dictionaries(
            st.from_regex(r"x_[a-z]{1,6}", fullmatch=True), json_values, min_size=1, max_size=3
        )
    )
    plain = decode(json.dumps(env))
    widened = decode(json.dumps({**env, **extra, "body": {**env["body"], **extra}}))
    assert widened.encode() == plain.encode()


# --- invalid envelopes --------------------------------------------------------------------
@pytest.mark.parametrize("kind", KIND_NAMES)
@PER_KIND
@given(data=st.data())
def test_a_missing_required_field_is_an_invalid_message(kind: str, data: st.DataObject) -> None:
    env = data.draw(envelopes(kind))
    required_body = [n for n, f in KINDS[kind].model_fields.items() if f.is_required()]
    where = data.draw(
        st.sampled_from(
            ["id", "type", "sender", "body", "protocol"] + [f"body.{n}" for n in required_body]
        )
    )
    if where.startswith("body."):
        del env["body"][where[5:]]
    else:
        del env[where]
    assert code_of(json.dumps(env)) == ErrorCode.INVALID_MESSAGE


@pytest.mark.parametrize("kind", KIND_NAMES)
@PER_KIND
@given(data=st.data())
def test_a_field_of_the_wrong_type_is_an_invalid_message(kind: str, data: st.DataObject) -> None:
    env = data.draw(envelopes(kind))
    properties = body_schema(kind).get("properties", {})
    required_body = [n for n, f in KINDS[kind].model_fields.items() if f.is_required()]
    where = data.draw(
        st.sampled_from(["body", "ts", "sender"] + [f"body.{n}" for n in required_body])
    )
    if where.startswith("body."):
        name = where[5:]
        # A value no lax coercion turns into the field's type.
        is_object = properties[name].get("type") == "object"
        env["body"][name] = [[True]] if is_object else {"wrong": [True]}
    elif where == "body":
        env["body"] = data.draw(st.sampled_from([[], "text", 5, None]))
    elif where == "ts":
        env["ts"] = data.draw(st.sampled_from(["yesterday", "2025-01-06T09:00:00", [], {"at": 1}]))
    else:
        env["sender"] = data.draw(st.sampled_from([7, None, ["a"], {"id": "a"}]))
    assert code_of(json.dumps(env)) == ErrorCode.INVALID_MESSAGE


@pytest.mark.parametrize("field", ["id", "sender", "conversation", "group", "in_reply_to"])
@settings(max_examples=30, deadline=None)
@given(bad=bad_ids, kind=st.sampled_from(KIND_NAMES))
def test_an_id_that_is_not_subject_safe_is_an_invalid_message(
    field: str, bad: str, kind: str
) -> None:
    from protocol.catalogue.examples import EXAMPLES

    env = {**EXAMPLES[kind].to_dict(), field: bad}
    assert code_of(json.dumps(env)) == ErrorCode.INVALID_MESSAGE


@settings(max_examples=50, deadline=None)
@given(
    kind=st.sampled_from(KIND_NAMES),
    version=st.from_regex(r"ioa/([02-9]|1[0-9])(\.[0-9])?", fullmatch=True),
)
def test_another_major_version_is_unsupported(kind: str, version: str) -> None:
    from protocol.catalogue.examples import EXAMPLES

    env = {**EXAMPLES[kind].to_dict(), "protocol": version}
    assert code_of(json.dumps(env)) == ErrorCode.UNSUPPORTED_VERSION


@settings(max_examples=50, deadline=None)
@given(kind=st.sampled_from(KIND_NAMES), data=st.data())
def test_truncated_json_is_an_invalid_message(kind: str, data: st.DataObject) -> None:
    from protocol.catalogue.examples import EXAMPLES

    raw = EXAMPLES[kind].encode()
    cut = data.draw(st.integers(0, len(raw) - 1))
    assert code_of(raw[:cut]) == ErrorCode.INVALID_MESSAGE


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=64) | st.text(max_size=64))
def test_bytes_that_are_not_an_envelope_are_an_invalid_message(raw: bytes | str) -> None:
    assert code_of(raw) == ErrorCode.INVALID_MESSAGE


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(KIND_NAMES), over=st.integers(1, 1000))
def test_a_message_over_the_size_limit_is_too_large(kind: str, over: int) -> None:
    from protocol.catalogue.examples import EXAMPLES

    raw = EXAMPLES[kind].encode()
    assert code_of(raw, max_bytes=len(raw) - over if len(raw) > over else 0) == ErrorCode.TOO_LARGE
    assert isinstance(outcome(raw, max_bytes=len(raw)), Envelope)


def test_the_default_size_limit_is_256_kib() -> None:
    big = json.dumps({"protocol": "ioa/1", "id": "a", "type": "chat_message", "sender": "a",
                      "body": {"text": "x" * DEFAULT_MAX_BYTES}})  # fmt: skip
    assert DEFAULT_MAX_BYTES == 256 * 1024
    assert code_of(big) == ErrorCode.TOO_LARGE


# --- anything at all ----------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from([*KIND_NAMES, "nope", ""]),
    mutations=st.dictionaries(
        st.sampled_from(["protocol", "id", "type", "sender", "ts", "group", "body", "x"]),
        json_values,
        max_size=4,
    ),
    body_mutations=st.dictionaries(st.text(max_size=12), json_values, max_size=4),
)
def test_no_input_raises_anything_but_a_typed_protocol_error(
    kind: str, mutations: dict[str, Any], body_mutations: dict[str, Any]
) -> None:
    from protocol.catalogue.examples import EXAMPLES

    base = EXAMPLES[kind].to_dict() if kind in EXAMPLES else {"type": kind}
    env = {**base, **mutations}
    if isinstance(env.get("body"), dict):
        env["body"] = {**env["body"], **body_mutations}
    result = outcome(json.dumps(env))
    assert isinstance(result, Envelope | IoaError)


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=12) | bad_ids | st.builds(lambda i: i + "\n", ids))
def test_subject_ids_and_envelope_ids_follow_the_same_rule(value: str) -> None:
    # Subjects are built with is_valid_id; envelopes are validated by the schema's pattern.
    env = {"protocol": "ioa/1", "id": value, "type": "ack", "sender": "a", "body": {}}
    assert is_valid_id(value) == isinstance(outcome(json.dumps(env)), Envelope)
