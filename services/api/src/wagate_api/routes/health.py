"""Health, readiness and metrics: served without an API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from wagate_api.context import ApiContext, get_context
from wagate_api.routing import CheckedRoute
from wagate_common.envelope import failure, success
from wagate_common.errors import ErrorCode

router = APIRouter(route_class=CheckedRoute, tags=["health"])


@router.get("/health")
async def health() -> dict[str, object]:
    """200 while the process runs."""
    return success({"status": "ok"})


@router.get("/health/ready")
async def ready(context: Annotated[ApiContext, Depends(get_context)]) -> JSONResponse:
    """Return 200 when the broker and database respond, else 503 naming the failure."""
    checks = await context.infra.readiness()
    if all(value == "ok" for value in checks.values()):
        return JSONResponse(success({"status": "ready", "checks": checks}))
    body = failure(ErrorCode.NOT_READY, "a dependency is not ready", {"checks": checks})
    return JSONResponse(body, status_code=503)


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
