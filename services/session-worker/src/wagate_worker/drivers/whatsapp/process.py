"""Process-wide set-up that every neonize client of the worker shares.

neonize keeps global state. One event loop receives the events of all
clients. Each connected client occupies one thread of the loop's default
executor for as long as it runs. The Go library's registry of clients is a
map without a lock. This module handles all three once per event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor

import neonize.aioze.events as neonize_events

logger = logging.getLogger(__name__)

# Importing neonize calls logging.basicConfig, which adds a handler to the root
# logger when it has none yet. Our own logging set-up decides where records go.
# (The package attribute ``neonize.utils.log`` is a logger, not this module.)
_neonize_log_module = importlib.import_module("neonize.utils.log")
if _neonize_log_module.stream_handler in logging.getLogger().handlers:
    logging.getLogger().removeHandler(_neonize_log_module.stream_handler)

_executor_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
_lifecycle_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def prepare_event_loop(threads: int) -> asyncio.AbstractEventLoop:
    """Make the running loop ready for neonize clients and return it.

    Installs a default executor of ``threads`` threads once per loop. neonize's
    async client runs every call through ``asyncio.to_thread``, and each
    running client blocks one thread for its whole life. With the default pool
    (CPU count + 4 threads), the calls of other sessions would wait for a free
    thread after a few sessions.

    Also points neonize's global event loop at the running loop. neonize sets
    it only once per process, but a worker restarted in the same process (as
    tests do) runs on a new loop.
    """
    loop = asyncio.get_running_loop()
    if loop not in _executor_loops:
        executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="neonize")
        loop.set_default_executor(executor)
        _executor_loops.add(loop)
        logger.info("neonize executor installed", extra={"threads": threads})
    neonize_events.event_global_loop = loop
    return loop


def lifecycle_lock() -> asyncio.Lock:
    """Return the lock that serializes client starts and stops on this loop.

    The Go library registers and removes clients in maps that have no mutex,
    so two starts or stops at the same moment can crash the process.
    """
    loop = asyncio.get_running_loop()
    lock = _lifecycle_locks.get(loop)
    if lock is None:
        lock = asyncio.Lock()
        _lifecycle_locks[loop] = lock
    return lock
