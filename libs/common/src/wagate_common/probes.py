"""Health, readiness and metrics endpoints for processes other than the api."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wagate_common.envelope import failure, success
from wagate_common.errors import ErrorCode

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[dict[str, str]]]


def build_probe_app(readiness: ReadinessCheck) -> Starlette:
    """Build the app serving ``/health``, ``/health/ready`` and ``/metrics``."""

    async def health(_: Request) -> Response:
        return JSONResponse(success({"status": "ok"}))

    async def ready(_: Request) -> Response:
        checks = await readiness()
        if all(value == "ok" for value in checks.values()):
            return JSONResponse(success({"status": "ready", "checks": checks}))
        body = failure(
            ErrorCode.NOT_READY, "a dependency is not ready", {"checks": checks}
        )
        return JSONResponse(body, status_code=503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/health", health),
        Route("/health/ready", ready),
        Route("/metrics", metrics),
    ]
    return Starlette(routes=routes)


class _ProbeServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the service that runs it.

    uvicorn otherwise installs its own SIGINT/SIGTERM handlers and raises the
    signal again when it exits, which would kill the service in the middle of
    its own orderly shutdown.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ProbeServer:
    """The running probe server of a process."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self._server = server
        self._task = task

    async def stop(self) -> None:
        """Ask uvicorn to exit and wait until it has."""
        self._server.should_exit = True
        await asyncio.wait({self._task})


async def serve_probes(host: str, port: int, readiness: ReadinessCheck) -> ProbeServer:
    """Start the probe server in the background."""
    config = uvicorn.Config(
        build_probe_app(readiness),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
    )
    server = _ProbeServer(config)
    task = asyncio.create_task(server.serve(), name="probes")
    logger.info("probe server listening", extra={"host": host, "port": port})
    return ProbeServer(server, task)
