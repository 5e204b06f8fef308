"""One error hierarchy for the protocol: every error carries a code from a closed list.

Services answer with an ``error`` message whose code is an :class:`ErrorCode`;
clients turn it back into the matching exception with :func:`error_for`.
"""

import asyncio
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_MESSAGE = "invalid_message"
    UNSUPPORTED_VERSION = "unsupported_version"
    NOT_A_MEMBER = "not_a_member"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    BUDGET_SPENT = "budget_spent"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class IoaError(Exception):
    """Root of every protocol error; ``code`` says which, ``message`` says why."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, in_reply_to: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.in_reply_to = in_reply_to

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


class InvalidMessage(IoaError, ValueError):
    code = ErrorCode.INVALID_MESSAGE


class UnsupportedVersion(IoaError, ValueError):
    code = ErrorCode.UNSUPPORTED_VERSION


class NotAMember(IoaError, PermissionError):
    code = ErrorCode.NOT_A_MEMBER


class Forbidden(IoaError, PermissionError):
    code = ErrorCode.FORBIDDEN


class NotFound(IoaError, LookupError):
    code = ErrorCode.NOT_FOUND


class Conflict(IoaError):
    code = ErrorCode.CONFLICT


class TooLarge(IoaError, ValueError):
    code = ErrorCode.TOO_LARGE


class RateLimited(IoaError):
    code = ErrorCode.RATE_LIMITED


class BudgetSpent(IoaError):
    """A budget that bounds the conversation is spent (a group's turns): not retryable."""

    code = ErrorCode.BUDGET_SPENT


class Timeout(IoaError, asyncio.TimeoutError):
    code = ErrorCode.TIMEOUT


class Unavailable(IoaError, ConnectionError):
    """No service answered (NATS had no responders)."""

    code = ErrorCode.UNAVAILABLE


class Internal(IoaError):
    code = ErrorCode.INTERNAL


_BY_CODE: dict[ErrorCode, type[IoaError]] = {
    cls.code: cls
    for cls in (
        InvalidMessage,
        UnsupportedVersion,
        NotAMember,
        Forbidden,
        NotFound,
        Conflict,
        TooLarge,
        RateLimited,
        BudgetSpent,
        Timeout,
        Unavailable,
        Internal,
    )
}


def error_for(code: str, message: str, *, in_reply_to: str | None = None) -> IoaError:
    """The exception for an error code received on the wire (unknown codes are internal)."""
    try:
        cls = _BY_CODE[ErrorCode(code)]
    except ValueError:
        cls = Internal
    return cls(message, in_reply_to=in_reply_to)
