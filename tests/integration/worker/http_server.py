"""A loopback HTTP/1.1 server that serves scripted responses to the worker's GETs."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class Route:
    """A scripted response.

    ``stall`` delays the response until the server stops. Without
    ``declare_length`` the body ends when the connection closes, so the
    client learns its size only by reading it.
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False
    declare_length: bool = True


class LoopbackServer:
    """Serves ``routes`` by path on 127.0.0.1 and records every requested path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self._server: asyncio.Server | None = None
        self._release = asyncio.Event()

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            request_line = await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            path = request_line.split(b" ")[1].decode()
            self.requests.append(path)
            route = self.routes.get(path, Route(status=404, body=b"not found"))
            if route.stall:
                await self._release.wait()
                return
            writer.write(_response(route))
            await writer.drain()
        except (ConnectionError, IndexError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _response(route: Route) -> bytes:
    lines = [f"HTTP/1.1 {route.status} Scripted"]
    headers = {"Connection": "close"}
    if route.declare_length:
        headers["Content-Length"] = str(len(route.body))
    if route.content_type is not None:
        headers["Content-Type"] = route.content_type
    headers.update(route.headers)
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + route.body
