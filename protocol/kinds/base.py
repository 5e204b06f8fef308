"""The base of every message body."""

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A message body. ``KIND`` is the envelope ``type`` that carries it.

    Unknown fields are ignored so that a newer minor version of ``ioa/1`` can
    add optional fields without breaking older receivers.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    KIND: ClassVar[str]


class Ack(Body):
    """A plain acknowledgement for requests that return nothing else."""

    KIND: ClassVar[str] = "ack"


MAX_SEQ = 2**63 - 1
"""The largest sequence number or count on the wire: JetStream's sequences are uint64,
SQL's BIGINT is int64; a value past this is refused as ``invalid_message`` before it
reaches either."""

Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]
"""A JetStream stream sequence (0: none yet)."""

Count = Annotated[int, Field(ge=0, le=MAX_SEQ)]
"""How many of something: turns, tokens, matches."""

Label = Annotated[str, Field(max_length=200)]
"""A short word: a tag, a media type, a protocol version."""
