"""The ``ioa/1`` envelope: one JSON object around every message body.

>>> from protocol.kinds import ChatMessage
>>> env = Envelope.of(ChatMessage(text="hi"), sender="alice", group="g1")
>>> decode(env.encode()).body.text
'hi'
"""

import json
import re
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from protocol.errors import InvalidMessage, TooLarge, UnsupportedVersion
from protocol.ids import Id, is_valid_id, new_id
from protocol.kinds import KINDS, Body

PROTOCOL = "ioa/1"
MAJOR_VERSION = 1
DEFAULT_MAX_BYTES = 256 * 1024

B = TypeVar("B", bound=Body)


class Envelope(BaseModel, Generic[B]):
    """One message: who sent it, what kind it is, where it belongs, and its body."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    protocol: str = PROTOCOL
    id: Id
    type: str
    sender: Id
    ts: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    conversation: Id | None = None
    group: Id | None = None
    in_reply_to: Id | None = None
    body: B

    @classmethod
    def of(
        cls,
        body: B,
        *,
        sender: str,
        conversation: str | None = None,
        group: str | None = None,
        in_reply_to: str | None = None,
        id: str | None = None,
    ) -> "Envelope[B]":
        """Wrap ``body`` in a new envelope with a fresh id and timestamp."""
        model: type[Envelope[B]] = envelope_model(type(body))
        return model(
            id=id or new_id(),
            type=body.KIND,
            sender=sender,
            conversation=conversation,
            group=group,
            in_reply_to=in_reply_to,
            body=body,
        )

    def reply(self, body: Body, *, sender: str) -> "Envelope[Any]":
        """An envelope answering this one, in the same conversation and group."""
        return Envelope.of(
            body,
            sender=sender,
            conversation=self.conversation,
            group=self.group,
            in_reply_to=self.id,
        )

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def with_body(self, body: Body) -> Self:
        return self.model_copy(update={"body": body})


_MODELS: dict[type[Body], type[Envelope[Any]]] = {}


def envelope_model(body: type[B]) -> type[Envelope[B]]:
    """``Envelope[body]``, built once per body model (pydantic's own lookup is slow enough
    to show in a profile of the chat service's post path)."""
    model = _MODELS.get(body)
    if model is None:
        model = _MODELS[body] = Envelope[body]  # type: ignore[valid-type]
    return model


def check_version(protocol: object) -> None:
    """Raise :class:`UnsupportedVersion` unless ``protocol`` is ``ioa/<MAJOR>[.minor]``."""
    if not isinstance(protocol, str) or not protocol.startswith("ioa/"):
        raise InvalidMessage(f"'protocol' must be a string like {PROTOCOL!r}, got {protocol!r}")
    major = protocol[4:].split(".", 1)[0]
    if major != str(MAJOR_VERSION):
        raise UnsupportedVersion(
            f"protocol {protocol!r} is not supported; this peer speaks {PROTOCOL}"
        )


def decode(raw: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Envelope[Any]:
    """Parse and validate one envelope, raising a typed :class:`IoaError` on bad input."""
    if len(raw) > max_bytes:
        raise TooLarge(f"message has {len(raw)} bytes; the limit is {max_bytes}")
    if isinstance(raw, bytes):
        try:
            # Strict: json.loads(bytes) would let UTF-8-encoded surrogates through.
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMessage(f"message is not UTF-8: {exc}") from None
    try:
        data = json.loads(raw)
        lone_surrogate = _SURROGATE_ESCAPE.search(raw) is not None and _has_lone_surrogate(data)
    except ValueError as exc:
        raise InvalidMessage(f"message is not JSON: {exc}") from None
    except RecursionError:
        # Deeply nested arrays or objects exhaust the parser's stack, not its grammar.
        raise InvalidMessage("message nests arrays or objects too deeply to read") from None
    if lone_surrogate:
        # A lone surrogate is no text: a free-form field would keep it, and the
        # message could then never be encoded again (e.g. into a group log).
        raise InvalidMessage(
            "message has a lone UTF-16 surrogate escape (\\ud800-\\udfff); "
            "escape characters beyond U+FFFF as a surrogate pair"
        )
    return from_dict(data)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(data: object) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def from_dict(data: object) -> Envelope[Any]:
    """Validate an already-parsed envelope."""
    if not isinstance(data, dict):
        raise InvalidMessage("message must be a JSON object")
    check_version(data.get("protocol"))
    kind = data.get("type")
    body_model = KINDS.get(kind) if isinstance(kind, str) else None
    if body_model is None:
        raise InvalidMessage(f"unknown message type {kind!r}", in_reply_to=_id_of(data))
    try:
        return envelope_model(body_model).model_validate(data)
    except ValidationError as exc:
        raise InvalidMessage(_describe(exc), in_reply_to=_id_of(data)) from None


def _id_of(data: dict[str, Any]) -> str | None:
    value = data.get("id")
    return value if isinstance(value, str) and is_valid_id(value) else None


def _describe(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()[:5]
    ]
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
