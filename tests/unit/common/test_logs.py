"""Log records rendered by the shared logging set-up."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from wagate_common.logs import configure_logging
from wagate_common.settings import LogFormat


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_keep_extras_without_color_copy(
    restore_root_logger: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", LogFormat.JSON)

    # uvicorn passes a copy of each message with ANSI colour codes as an extra.
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]",
        42,
        extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
    )
    logging.getLogger("wagate").info("shard started", extra={"shard": 3})

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "Started server process [42]"
    assert "color_message" not in lines[0]
    assert lines[1]["shard"] == 3
