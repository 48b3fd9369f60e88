"""Connecting to NATS and preparing JetStream."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError

from wagate_common.broker import subjects

logger = logging.getLogger(__name__)

DAY = 24 * 3600.0
# JetStream drops a repeated Nats-Msg-Id within this window: retried publishes
# of one command, event or delivery are stored once.
DUPLICATE_WINDOW = 2 * 3600.0
LEASE_TTL_SECONDS = 10.0


def stream_configs() -> list[StreamConfig]:
    """Return the configuration of every stream wagate uses."""
    return [
        StreamConfig(
            name=subjects.COMMANDS_STREAM,
            subjects=[subjects.COMMANDS_ALL],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW,
        ),
        StreamConfig(
            name=subjects.EVENTS_STREAM,
            subjects=[subjects.EVENTS_ALL],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=7 * DAY,
            max_bytes=8 * 1024**3,
            discard=DiscardPolicy.OLD,
            duplicate_window=DUPLICATE_WINDOW,
        ),
        StreamConfig(
            name=subjects.DELIVERIES_STREAM,
            subjects=[subjects.DELIVERIES_ALL, subjects.DELIVERY_SCHEDULES_ALL],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW,
            allow_msg_schedules=True,
        ),
        StreamConfig(
            name=subjects.FAILED_STREAM,
            subjects=[subjects.FAILED_ALL],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=30 * DAY,
            duplicate_window=DUPLICATE_WINDOW,
        ),
    ]


async def connect(url: str, name: str) -> Client:
    """Connect to NATS, reconnecting for ever when the connection drops."""
    client = await nats.connect(
        servers=[url],
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
    )
    logger.info("connected to nats", extra={"client_name": name})
    return client


async def ensure_streams(js: JetStreamContext, media_ttl_seconds: float = DAY) -> None:
    """Create or update every stream and bucket; safe to call from every process.

    ``media_ttl_seconds`` is how long media objects are kept: long enough to
    retry or forward a media message, short enough not to fill the disk.
    """
    for config in stream_configs():
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)

    for bucket in (subjects.SHARD_LEASES_BUCKET, subjects.WORKERS_BUCKET):
        await js.create_key_value(
            KeyValueConfig(bucket=bucket, ttl=LEASE_TTL_SECONDS, history=1)
        )

    media = ObjectStoreConfig(
        bucket=subjects.MEDIA_BUCKET, ttl=media_ttl_seconds, storage=StorageType.FILE
    )
    try:
        await js.create_object_store(subjects.MEDIA_BUCKET, config=media)
    except BadRequestError:
        # It exists with another TTL: the first process's setting stays.
        logger.info("media bucket kept as it is", extra={"bucket": subjects.MEDIA_BUCKET})
