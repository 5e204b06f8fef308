"""The base of every message body."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


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
