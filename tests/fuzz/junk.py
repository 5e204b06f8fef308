"""A seeded generator of bad messages, built from the real ``ioa/1`` models.

Each message starts as a valid envelope (the catalogue's example of a kind,
pointed at the ids of a real network: its group, its conversation, its agents)
and gets exactly one defect that no peer may accept: cut short, not UTF-8, a
lone surrogate, an unknown major version, a missing or ill-typed field, an id
that is not subject-safe, an unknown type, deep nesting, too many bytes, or, for
requests, a kind the operation does not take or a sender that is not the
subject's sender token. Some carry junk trace headers too.

The same seed gives the same messages, so a failure names its seed and can be
replayed.
"""

import json
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protocol.catalogue.examples import EXAMPLES
from protocol.kinds import KINDS

Env = dict[str, Any]

# Values no lax coercion turns into the field's type (as in the envelope's property tests).
NOT_AN_OBJECT = [[True]]
NOT_A_SCALAR = {"wrong": [True]}
BAD_IDS = ["", "a.b", "a b", "a*", "a>", "-lead", "x" * 129, "é", "a\nb", "a\tb", "ioa.v1.>"]
BAD_VERSIONS = ["ioa/2", "ioa/0", "ioa/10.1", "ioa/", "ioa/1x", "IOA/1", "a2a/1", 1, None, []]
# (A number is a Unix time to pydantic, so it is no bad time.)
BAD_TIMES = ["yesterday", "2025-01-06T09:00:00", "2025-13-45T99:99:99Z", "", [], {"at": 1}]
NOT_OBJECTS = [b"[]", b"null", b"17", b'"ioa/1"', b"true", b"[{}]"]
# The kinds the catalogue has an example of (a kind being added may not have one yet).
EXAMPLE_KINDS = sorted(k for k in KINDS if k in EXAMPLES)
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]


@dataclass(frozen=True, slots=True)
class Piece:
    """One bad message: its bytes, optional headers, and which defect it has."""

    data: bytes
    defect: str
    headers: dict[str, str] | None = None


class Junk:
    """Bad messages for one network. ``ids`` names its real group, conversation, agents.

    ``max_bytes`` is the peers' message size limit: a ``huge`` message is a bit
    over it (and under NATS' own 1 MB payload limit).
    """

    def __init__(self, seed: int, *, max_bytes: int, ids: Mapping[str, str]) -> None:
        self.seed = seed
        self.max_bytes = max_bytes
        self.ids = dict(ids)
        self._rng = random.Random(seed)
        self._n = 0

    # --- the two kinds of destination ------------------------------------------------
    def request(self, sender: str, takes: Sequence[str]) -> Piece:
        """A bad request on ``<root>.from.<sender>.<service>.<op>`` for an op that takes
        the kinds ``takes`` (empty: an op the service does not have)."""
        rng = self._rng
        defects = dict(DEFECTS)
        if takes:
            defects["wrong_kind"] = 6
        defects["wrong_sender"] = 6
        kind = rng.choice([k for k in takes if k in EXAMPLES] or EXAMPLE_KINDS)
        return self._spoil(self._valid(kind, sender), defects, takes)

    def delivery(self) -> Piece:
        """A bad message for an inbox or an event subject (any kind is readable there)."""
        kind = self._rng.choice(EXAMPLE_KINDS)
        return self._spoil(self._valid(kind, self._rng.choice(self._agents)), dict(DEFECTS), ())

    def payload(self) -> bytes:
        """Any bytes at all, for subjects that read no payload (``$SRV``)."""
        return self.delivery().data

    # --- building -----------------------------------------------------------------------
    @property
    def _agents(self) -> list[str]:
        return [v for k, v in sorted(self.ids.items()) if k.startswith("agent")] or ["someone"]

    def _valid(self, kind: str, sender: str) -> Env:
        self._n += 1
        env: Env = EXAMPLES[kind].to_dict()
        env["id"] = f"fuzz-{self.seed}-{self._n}"
        env["sender"] = sender
        body = env["body"]
        for key in ("group", "conversation"):
            if key in env:
                env[key] = self.ids[key]
            if key in body:
                body[key] = self.ids[key]
        for key in ("agent", "assignee"):
            if key in body:
                body[key] = self._rng.choice(self._agents)
        return env

    def _spoil(self, env: Env, defects: dict[str, int], takes: Sequence[str]) -> Piece:
        rng = self._rng
        defect = rng.choices(list(defects), weights=list(defects.values()))[0]
        if defect == "wrong_kind":
            other = rng.choice([k for k in EXAMPLE_KINDS if k not in takes])
            data = _dump(self._valid(other, env["sender"]))
        elif defect == "wrong_sender":
            env["sender"] = rng.choice(
                [a for a in [*self._agents, "mallory"] if a != env["sender"]]
            )
            data = _dump(env)
        else:
            data = SPOILERS[defect](self, env)
        headers = self._junk_headers() if rng.random() < 0.2 else None
        return Piece(data, defect, headers)

    def _junk_headers(self) -> dict[str, str]:
        rng = self._rng
        text = "".join(rng.choices(string.printable.strip(), k=rng.randint(0, 80)))
        return rng.choice(
            [
                {"traceparent": text},
                {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"},
                {"traceparent": "ff-zz-yy-xx", "tracestate": text * 20},
                {"baggage": text, "X-Junk": text},
            ]
        )

    # --- the defects ----------------------------------------------------------------------
    def _truncated(self, env: Env) -> bytes:
        data = _dump(env)  # a proper prefix of a JSON object is never valid JSON
        return data[: self._rng.randrange(len(data))]

    def _not_json(self, env: Env) -> bytes:
        rng = self._rng
        return rng.choice(
            [
                bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))),
                "".join(rng.choices(string.printable, k=rng.randint(1, 200))).encode(),
                b"{" + _dump(env),
                _dump(env).replace(b'"', b"'"),
            ]
        )

    def _invalid_utf8(self, env: Env) -> bytes:
        data = _dump(env)
        at = self._rng.randrange(len(data) + 1)
        return data[:at] + self._rng.choice(BAD_UTF8) + data[at:]

    def _lone_surrogate(self, env: Env) -> bytes:
        marker = "\u2603SURROGATE\u2603"
        places = list(_string_places(env))
        if not places:
            env["body"] = marker
        else:
            holder, key = self._rng.choice(places)
            holder[key] = holder[key][:8] + marker
        # json.dumps escapes non-ASCII, so the marker becomes a replaceable escape sequence.
        return _dump(env).replace(b"\\u2603SURROGATE\\u2603", b"\\ud800")

    def _wrong_version(self, env: Env) -> bytes:
        env["protocol"] = self._rng.choice(BAD_VERSIONS)
        return _dump(env)

    def _missing_field(self, env: Env) -> bytes:
        required = [n for n, f in KINDS[env["type"]].model_fields.items() if f.is_required()]
        where = self._rng.choice(
            ["protocol", "id", "type", "sender", "body", *(f"body.{n}" for n in required)]
        )
        if where.startswith("body."):
            del env["body"][where[5:]]
        else:
            del env[where]
        return _dump(env)

    def _wrong_type(self, env: Env) -> bytes:
        model = KINDS[env["type"]]
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        where = self._rng.choice(["body", "ts", "sender", *(f"body.{n}" for n in required)])
        if where.startswith("body."):
            name = where[5:]
            schema = model.model_json_schema()["properties"][name]
            env["body"][name] = NOT_AN_OBJECT if schema.get("type") == "object" else NOT_A_SCALAR
        elif where == "body":
            env["body"] = self._rng.choice([[], "text", 5, None, True])
        elif where == "ts":
            env["ts"] = self._rng.choice(BAD_TIMES)
        else:
            env["sender"] = self._rng.choice([7, None, ["a"], {"id": "a"}])
        return _dump(env)

    def _bad_id(self, env: Env) -> bytes:
        env[self._rng.choice(["id", "sender", "conversation", "group", "in_reply_to"])] = (
            self._rng.choice(BAD_IDS)
        )
        return _dump(env)

    def _unknown_type(self, env: Env) -> bytes:
        env["type"] = self._rng.choice(
            ["", "nope", "CHAT_MESSAGE", "chat_message ", "ioa.v1.>", 5, None, ["ack"]]
        )
        return _dump(env)

    def _not_an_object(self, env: Env) -> bytes:
        return self._rng.choice(NOT_OBJECTS)

    def _deep(self, env: Env) -> bytes:
        depth = self._rng.choice([1_000, 5_000, 50_000, self.max_bytes // 2 - 10])
        opener, closer = self._rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        nested = opener * depth + b"1" + closer * depth
        if self._rng.random() < 0.5:
            return nested
        return _dump(env).replace(b'"body": {', b'"body": ' + nested + b', "x": {', 1)

    def _huge(self, env: Env) -> bytes:
        env.setdefault("body", {})["padding"] = ""
        size = len(_dump(env))
        target = self.max_bytes + self._rng.randint(1, 64 * 1024)
        env["body"]["padding"] = "x" * (target - size)
        return _dump(env)


def _dump(env: Any) -> bytes:
    return json.dumps(env).encode()


def _string_places(value: Any) -> Any:
    """Every (container, key) whose value is a string, depth first."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            yield value, key
        elif isinstance(item, dict | list):
            yield from _string_places(item)


Spoiler = Callable[[Junk, Env], bytes]
SPOILERS: dict[str, Spoiler] = {
    "truncated": Junk._truncated,
    "not_json": Junk._not_json,
    "invalid_utf8": Junk._invalid_utf8,
    "lone_surrogate": Junk._lone_surrogate,
    "wrong_version": Junk._wrong_version,
    "missing_field": Junk._missing_field,
    "wrong_type": Junk._wrong_type,
    "bad_id": Junk._bad_id,
    "unknown_type": Junk._unknown_type,
    "not_an_object": Junk._not_an_object,
    "deep": Junk._deep,
    "huge": Junk._huge,
}
# Relative weights; huge messages are rare because each costs ~300 KB of traffic and storage.
DEFECTS: dict[str, int] = {
    "truncated": 10,
    "not_json": 6,
    "invalid_utf8": 6,
    "lone_surrogate": 6,
    "wrong_version": 8,
    "missing_field": 10,
    "wrong_type": 10,
    "bad_id": 8,
    "unknown_type": 5,
    "not_an_object": 3,
    "deep": 2,
    "huge": 1,
}
