"""Waiting for a service process started by a test to report ready."""

from __future__ import annotations

import asyncio

import httpx


async def wait_until_ready(url: str, limit_seconds: float) -> None:
    """Poll a readiness URL until it returns 200, for at most ``limit_seconds``."""
    async with httpx.AsyncClient() as client, asyncio.timeout(limit_seconds):
        while True:
            try:
                response = await client.get(url)
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass  # the process is still starting
            await asyncio.sleep(0.1)
