"""Exception handlers that render every failure in the error envelope."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from nats.errors import ConnectionClosedError, NoServersError, OutboundBufferLimitError
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from wagate_common.envelope import failure
from wagate_common.errors import ErrorCode, WagateError

logger = logging.getLogger(__name__)

_STATUS_CODES = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.NOT_READY,
}


def error_response(
    error: WagateError, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Render a :class:`WagateError` as an enveloped JSON response."""
    body = failure(error.code, error.message, error.details)
    return JSONResponse(body, status_code=error.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the envelope."""
    app.add_exception_handler(WagateError, _handle_wagate_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _handle_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _handle_http)  # type: ignore[arg-type]
    for unavailable in _UNAVAILABLE:
        app.add_exception_handler(unavailable, _handle_unavailable)
    app.add_exception_handler(Exception, _handle_unexpected)


async def _handle_wagate_error(_: Request, error: WagateError) -> JSONResponse:
    headers: dict[str, str] | None = getattr(error, "headers", None)
    return error_response(error, headers)


async def _handle_validation(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = list(error.errors())
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return error_response(
            WagateError(400, ErrorCode.INVALID_JSON, "the request body is not valid JSON")
        )
    fields = [_describe_problem(problem) for problem in problems]
    return error_response(
        WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            "the request is invalid: "
            + "; ".join(f"{item['field']}: {item['message']}" for item in fields),
            {"fields": fields},
        )
    )


async def _handle_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
    code = _STATUS_CODES.get(error.status_code, ErrorCode.INTERNAL_ERROR)
    message = str(error.detail) if error.detail else "request failed"
    if error.status_code == 400 and message == _FASTAPI_BODY_ERROR:
        # FastAPI's text for a body its JSON parser failed on in an unexpected way:
        # bytes that are not UTF-8, or nesting deeper than Python's recursion limit.
        code = ErrorCode.INVALID_JSON
        message = (
            "the request body could not be parsed as JSON: it is not UTF-8 text "
            "or is nested too deeply"
        )
    elif error.status_code == 404:
        message = "no such route"
    elif error.status_code == 405:
        message = "method not allowed on this route"
    headers = dict(error.headers) if error.headers else None
    return error_response(WagateError(error.status_code, code, message), headers)


_FASTAPI_BODY_ERROR = "There was an error parsing the body"

# Failures that mean a server is unreachable rather than a bug: the client may retry.
_UNAVAILABLE = (
    ConnectionFailure,
    ConnectionClosedError,
    NoServersError,
    OutboundBufferLimitError,
)


async def _handle_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning(
        "dependency unavailable",
        extra={"path": request.url.path, "error": type(error).__name__},
    )
    return error_response(
        WagateError(
            503, ErrorCode.NOT_READY, "the database or broker is unavailable; try again"
        )
    )


async def _handle_unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.error(
        "unhandled error",
        exc_info=error,
        extra={"path": request.url.path, "method": request.method},
    )
    return error_response(
        WagateError(500, ErrorCode.INTERNAL_ERROR, "internal error; see the server log")
    )


def _describe_problem(problem: Any) -> dict[str, str]:
    location = [str(part) for part in problem.get("loc", ()) if part != "body"]
    field = ".".join(location) or "body"
    message = str(problem.get("msg", "invalid"))
    kind = problem.get("type")
    if kind == "missing":
        message = "field required"
    elif kind == "extra_forbidden":
        message = "unknown field; this request does not take it"
    elif kind == "value_error":
        # The route's own validators raise ValueError, and pydantic prefixes its text.
        message = message.removeprefix("Value error, ")
    return {"field": field, "message": message}
