"""The broker and database connections a service runs on."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.client import Client
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.broker.connection import connect, ensure_streams
from wagate_common.settings import WagateSettings
from wagate_common.storage.database import Document, ensure_indexes, open_client

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0


@dataclass
class Infrastructure:
    """Open NATS and MongoDB connections, shared by one process's components."""

    nats: Client
    js: JetStreamContext
    mongo: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]

    @classmethod
    async def open(cls, settings: WagateSettings, name: str) -> Infrastructure:
        """Connect to both servers and create streams, buckets and indexes."""
        client = await connect(settings.nats_url, name)
        js = client.jetstream()
        await ensure_streams(js, settings.media_retention_hours * 3600.0)

        mongo = open_client(settings.mongo_url)
        db = mongo[settings.mongo_db]
        await ensure_indexes(db)
        return cls(nats=client, js=js, mongo=mongo, db=db)

    async def close(self) -> None:
        """Drain the broker connection and close the database client."""
        if not self.nats.is_closed:
            await self.nats.drain()
        await self.mongo.close()

    async def readiness(self) -> dict[str, str]:
        """Return ``ok`` or the reason of failure for each server."""
        checks = {"nats": "ok", "mongodb": "ok"}
        if not self.nats.is_connected:
            checks["nats"] = "not connected"
        try:
            await asyncio.wait_for(self.db.command("ping"), READY_TIMEOUT_SECONDS)
        except Exception as error:  # any failure means not ready; the reason is reported
            checks["mongodb"] = type(error).__name__
        return checks
