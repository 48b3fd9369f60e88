"""The ``wagate`` command."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from wagate_cli.lock import DataFolderInUseError, DataFolderLock
from wagate_cli.ports import LOOPBACK, PROBE_PORT_VARIABLES
from wagate_cli.stack import Stack, StackConfig, load_admin_key, plan_ports
from wagate_common.embedded import EmbeddedServerError
from wagate_common.logs import configure_logging
from wagate_common.settings import LogFormat

logger = logging.getLogger("wagate_cli")

# Defaults of the services' own settings, used when the variable is unset.
DEFAULT_PROBE_PORTS = {"worker": 3001, "dispatcher": 3002, "sandbox": 3004}

app = typer.Typer(help="wagate: a self-hosted WhatsApp gateway.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """wagate: a self-hosted WhatsApp gateway."""


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(envvar="WAGATE_DATA_DIR", help="Folder for all data.")
    ] = Path(".wagate"),
    api_port: Annotated[
        int, typer.Option(envvar="WAGATE_API_PORT", help="Port of the REST api.")
    ] = 3000,
    nats_port: Annotated[
        int, typer.Option(envvar="WAGATE_EMBEDDED_NATS_PORT", help="Port of nats-server.")
    ] = 4222,
    mongo_port: Annotated[
        int, typer.Option(envvar="WAGATE_EMBEDDED_MONGO_PORT", help="Port of SecantusDB.")
    ] = 27017,
) -> None:
    """Start the whole stack on this machine; Ctrl-C stops it."""
    configure_logging(os.environ.get("WAGATE_LOG_LEVEL", "INFO"), LogFormat.CONSOLE)
    # The lock comes first and the admin key last, so that a start that fails
    # its checks neither touches a folder in use nor leaves a new key behind.
    folder = data_dir.resolve()
    lock = _lock_data_folder(folder)
    config = _stack_config(folder, api_port, nats_port, mongo_port)
    try:
        ports = plan_ports(config)
    except EmbeddedServerError as error:
        lock.release(remove_new_folders=True)
        _fail(error)

    admin_key, generated = load_admin_key(
        data_dir, os.environ.get("WAGATE_ADMIN_API_KEY")
    )
    stack = Stack(
        config=config, admin_key=admin_key, ports=ports, inherited_fds=(lock.fileno(),)
    )
    stopping = threading.Event()
    received: set[int] = set()

    def request_stop(signum: int, _: FrameType | None) -> None:
        # A Ctrl-C under ``uv run`` arrives twice, from the terminal and
        # forwarded by uv, so a signal already received is not logged again.
        if signum not in received:
            received.add(signum)
            logger.info("received %s; stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        stack.start()
    except EmbeddedServerError as error:
        lock.release()
        _fail(error)

    _print_banner(stack, generated)
    exit_code = _wait(stack, stopping)
    stack.stop()
    lock.release()
    typer.echo("wagate stopped")
    raise typer.Exit(code=exit_code)


def _stack_config(
    data_dir: Path, api_port: int, nats_port: int, mongo_port: int
) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        api_port=api_port,
        nats_port=nats_port,
        mongo_port=mongo_port,
        probe_ports={
            name: int(os.environ.get(variable, str(DEFAULT_PROBE_PORTS[name])))
            for name, variable in PROBE_PORT_VARIABLES.items()
        },
        fixed_probe_ports=frozenset(
            name
            for name, variable in PROBE_PORT_VARIABLES.items()
            if variable in os.environ
        ),
        nats_url=os.environ.get("WAGATE_NATS_URL"),
        mongo_url=os.environ.get("WAGATE_MONGO_URL"),
        api_host=os.environ.get("WAGATE_API_HOST", LOOPBACK),
        probe_host=os.environ.get("WAGATE_PROBE_HOST", LOOPBACK),
    )


def _lock_data_folder(data_dir: Path) -> DataFolderLock:
    lock = DataFolderLock(data_dir)
    try:
        lock.acquire()
    except DataFolderInUseError as error:
        _fail(error)
    except OSError as error:
        _fail(f"cannot lock data folder {data_dir}: {error.strerror or error}")
    return lock


def _fail(error: Exception | str) -> NoReturn:
    typer.echo(f"wagate up could not start: {error}", err=True)
    raise typer.Exit(code=1)


def _wait(stack: Stack, stopping: threading.Event) -> int:
    while not stopping.wait(timeout=0.5):
        exited = stack.exited_child()
        if exited is None:
            continue
        status = exited.process.returncode
        if stack.restart(exited):
            logger.warning("%s exited with status %s; restarting it", exited.name, status)
            continue
        logger.error("%s exited with status %s; stopping the stack", exited.name, status)
        return 1
    return 0


def _print_banner(stack: Stack, generated: bool) -> None:
    config = stack.config
    key_note = " (generated, stored in " + str(config.data_dir / "admin-api-key") + ")"
    lines = [
        "",
        "wagate is running",
        f"  api        http://127.0.0.1:{config.api_port}",
        f"  docs       http://127.0.0.1:{config.api_port}/docs",
        f"  admin key  {stack.admin_key}{key_note if generated else ''}",
        f"  nats       {stack.nats_url}",
        f"  mongodb    {stack.mongo_url}",
        f"  data       {config.data_dir}",
        "Press Ctrl-C to stop.",
        "",
    ]
    typer.echo("\n".join(lines))
