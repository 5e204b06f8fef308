"""The error message a service answers with."""

from typing import ClassVar

from pydantic import Field

from protocol.errors import ErrorCode
from protocol.kinds.base import Body


class ErrorBody(Body):
    KIND: ClassVar[str] = "error"

    code: ErrorCode
    message: str = Field(default="", max_length=5000)
