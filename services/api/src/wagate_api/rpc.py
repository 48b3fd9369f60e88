"""Live requests to the worker that owns a session (contacts, groups, read, presence)."""

from __future__ import annotations

import logging
from typing import TypeVar

import nats.errors
from nats.aio.client import Client
from pydantic import BaseModel, ValidationError

from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.replies import Reply
from wagate_common.schemas.rpc import RpcOperation
from wagate_common.shards import shard_of

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT", bound=BaseModel)


class WorkerClient:
    """Sends live requests over core NATS and turns replies into results or errors."""

    def __init__(self, nats: Client, shards: int, timeout_seconds: float) -> None:
        self._nats = nats
        self._shards = shards
        self._timeout = timeout_seconds

    async def request(
        self,
        session_id: str,
        operation: RpcOperation,
        body: WireModel,
        result: type[ResultT],
    ) -> ResultT:
        """Send ``body`` to the session's worker and return its ``result``.

        Raises:
            WagateError: the worker's own error (409 ``SESSION_NOT_CONNECTED``,
                404 ``GROUP_NOT_FOUND``...) as it sent it; 504
                ``WORKER_TIMEOUT`` when no worker answered in time; 503
                ``NOT_READY`` when the broker is unreachable.
        """
        subject = subjects.rpc(shard_of(session_id, self._shards), session_id, operation)
        reply = await self._send(subject, body, session_id, operation)
        if reply.error is not None:
            raise WagateError(
                reply.error.status, _error_code(reply.error.code), reply.error.message
            )
        try:
            return result.model_validate(reply.data)
        except ValidationError as error:
            logger.error(
                "worker reply did not validate",
                extra={"session_id": session_id, "operation": operation.value},
            )
            raise WagateError(
                502, ErrorCode.INTERNAL_ERROR, "the worker sent an invalid reply"
            ) from error

    async def _send(
        self, subject: str, body: WireModel, session_id: str, operation: RpcOperation
    ) -> Reply:
        log_extra = {"session_id": session_id, "operation": operation.value}
        try:
            message = await self._nats.request(
                subject, body.to_wire(), timeout=self._timeout
            )
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError) as error:
            # No responder means that no worker owns the shard right now, which
            # a client handles like a slow worker: try again shortly.
            logger.warning("worker did not respond", extra=log_extra)
            raise WagateError(
                504,
                ErrorCode.WORKER_TIMEOUT,
                f"the worker of session '{session_id}' did not answer in time",
            ) from error
        except nats.errors.Error as error:
            logger.warning(
                "worker request failed", extra={**log_extra, "error": repr(error)}
            )
            raise WagateError(
                503, ErrorCode.NOT_READY, "the message broker is unavailable; try again"
            ) from error
        try:
            return Reply.model_validate_json(message.data)
        except ValidationError as error:
            raise WagateError(
                502, ErrorCode.INTERNAL_ERROR, "the worker sent an invalid reply"
            ) from error


def _error_code(value: str) -> ErrorCode:
    """The worker's code, or INTERNAL_ERROR for one the contract does not know."""
    try:
        return ErrorCode(value)
    except ValueError:
        logger.error("worker sent an unknown error code", extra={"code": value})
        return ErrorCode.INTERNAL_ERROR
