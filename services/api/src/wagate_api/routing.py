"""The route class of every api route: body checks that depend on the matched route.

They run after routing, so an unknown route or a wrong method still gets
404 or 405 whatever the body is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from wagate_common.errors import ErrorCode, WagateError

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class CheckedRoute(APIRoute):
    """An API route that rejects a body of the wrong type, or one it does not take."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            body = await request.body()
            if body.strip():
                check_body(request, takes_body, body)
            return await handler(request)

        return checked


def check_body(request: Request, takes_body: bool, body: bytes) -> None:
    """Raise for a body the route does not take or that is not declared as JSON.

    A route that takes no body accepts an empty JSON object, because some HTTP
    libraries send one with every POST.

    Raises:
        WagateError: 400 for a body on a route without one, 415 for a body
            whose Content-Type is not JSON.
    """
    extra = {"path": request.url.path, "method": request.method}
    if not takes_body:
        if _is_empty_object(body):
            return
        logger.info("request body rejected: route takes none", extra=extra)
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"{request.method} {request.url.path} takes no request body; send none",
        )

    content_type = request.headers.get("content-type")
    # No Content-Type is read as JSON, for clients that do not set one.
    if content_type is None or is_json(content_type):
        return
    logger.info(
        "request body rejected: not JSON",
        extra={**extra, "content_type": content_type[:100]},
    )
    raise WagateError(
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        f"the request body must be JSON, but its Content-Type is "
        f"'{content_type[:100]}'; send Content-Type: application/json",
    )


def is_json(content_type: str) -> bool:
    """Return whether a Content-Type is JSON: ``application/json`` or ``*/*+json``."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _is_empty_object(body: bytes) -> bool:
    try:
        return bool(json.loads(body) == {})
    except ValueError:
        return False
