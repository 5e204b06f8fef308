"""Errors as HTTP problem details (RFC 9457): the one place protocol errors become statuses.

Every error answer has the same JSON shape::

    {"type": "...", "title": "...", "status": 404, "detail": "...", "code": "not_found"}

``code`` is the protocol's :class:`~protocol.errors.ErrorCode` (or ``http_error``
for plain HTTP failures such as an unknown path), so clients can branch on it.
"""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from protocol.errors import ErrorCode, IoaError

log = structlog.get_logger("ioa.gateway")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://ioa.dev/problems/"

STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_MESSAGE: 422,
    ErrorCode.UNSUPPORTED_VERSION: 422,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_A_MEMBER: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.CONFLICT: 409,
    ErrorCode.BUDGET_SPENT: 409,
    ErrorCode.INTERNAL: 500,
}


class Problem(BaseModel):
    """An error answer; ``code`` says which protocol error it was."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


class GatewayProblem(Exception):
    """An HTTP-only failure (no key, too many requests, body too large) with its code."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}

    def problem(self) -> "Problem":
        return Problem(
            type=TYPE_BASE + self.code,
            title=self.code.replace("_", " ").capitalize(),
            status=self.status,
            detail=self.detail,
            code=self.code,
        )


def status_for(exc: IoaError) -> int:
    return STATUS_BY_CODE.get(exc.code, 500)


def problem_for(exc: IoaError) -> Problem:
    """The problem details of a protocol error."""
    code = exc.code.value
    return Problem(
        type=TYPE_BASE + code,
        title=code.replace("_", " ").capitalize(),
        status=status_for(exc),
        detail=exc.message,
        code=code,
    )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _ioa_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IoaError)
    problem = problem_for(exc)
    log.info("request failed", path=request.url.path, code=problem.code, why=exc.message)
    return problem_response(problem)


async def _gateway_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayProblem)
    log.info("request refused", path=request.url.path, code=exc.code, why=exc.detail)
    return problem_response(exc.problem(), headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors())
    where = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]
    )
    code = ErrorCode.INVALID_MESSAGE.value
    problem = Problem(
        type=TYPE_BASE + code,
        title="Invalid message",
        status=422,
        detail=where or "the request is not valid",
        code=code,
        errors=errors,
    )
    return problem_response(problem)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    problem = Problem(
        type="about:blank",
        title=str(exc.detail) if exc.status_code < 500 else "Server error",
        status=exc.status_code,
        detail=str(exc.detail),
        code="http_error",
    )
    return problem_response(problem, headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    code = ErrorCode.INTERNAL.value
    problem = Problem(
        type=TYPE_BASE + code,
        title="Internal",
        status=500,
        detail="the gateway failed to handle the request; see its log",
        code=code,
    )
    return problem_response(problem)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with problem details."""
    app.add_exception_handler(IoaError, _ioa_error)
    app.add_exception_handler(GatewayProblem, _gateway_problem)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
