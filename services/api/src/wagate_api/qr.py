"""Rendering QR codes as PNG images."""

from __future__ import annotations

import base64
import io

import segno


def render_png(code: str) -> bytes:
    """Render ``code`` as a PNG that a phone camera reads at arm's length."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def png_data_uri(code: str) -> str:
    """Render ``code`` as a ``data:image/png;base64,`` URI."""
    encoded = base64.b64encode(render_png(code)).decode()
    return f"data:image/png;base64,{encoded}"
