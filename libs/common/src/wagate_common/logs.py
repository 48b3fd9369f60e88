"""Logging set-up for entry points.

Modules log through the standard library (``logging.getLogger(__name__)``)
with context as ``extra`` fields; structlog renders those records as JSON or
as readable console lines, with context bound through
:func:`structlog.contextvars.bind_contextvars` (request id, session id).
"""

from __future__ import annotations

import logging
import sys

import structlog

from wagate_common.settings import LogFormat


def _drop_color_message(
    _: object, __: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Remove uvicorn's ``color_message`` extra, a copy of the message with ANSI codes."""
    event_dict.pop("color_message", None)
    return event_dict


_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    _drop_color_message,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Send every record of the process to stderr in the chosen format."""
    renderer: structlog.typing.Processor
    if log_format is LogFormat.JSON:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("nats", "pymongo", "httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
