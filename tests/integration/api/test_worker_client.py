"""The api's client of live requests, against a stand-in worker on real NATS."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from wagate_api.rpc import WorkerClient
from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.replies import Reply, ReplyError
from wagate_common.schemas.rpc import EmptyRequest, GroupsData, RpcOperation
from wagate_common.shards import shard_of

SHARDS = 8


async def answer_with(infra: Infrastructure, reply: Reply) -> None:
    async def respond(msg: Msg) -> None:
        await msg.respond(reply.to_wire())

    subject = subjects.rpc(shard_of("s1", SHARDS), "s1", RpcOperation.GROUPS_LIST)
    await infra.nats.subscribe(subject, cb=respond)
    await infra.nats.flush()


async def test_unknown_error_code_becomes_internal_error(infra: Infrastructure) -> None:
    error = ReplyError(status=502, code="SOMETHING_NEW", message="the network said no")
    await answer_with(infra, Reply(ok=False, error=error))
    client = WorkerClient(infra.nats, SHARDS, timeout_seconds=2.0)

    with pytest.raises(WagateError) as raised:
        await client.request("s1", RpcOperation.GROUPS_LIST, EmptyRequest(), GroupsData)

    assert raised.value.status == 502
    assert raised.value.code is ErrorCode.INTERNAL_ERROR
    assert str(raised.value) == "the network said no"


async def test_invalid_result_is_an_error_not_a_crash(infra: Infrastructure) -> None:
    await answer_with(infra, Reply(ok=True, data={"groups": "not a list"}))
    client = WorkerClient(infra.nats, SHARDS, timeout_seconds=2.0)

    with pytest.raises(WagateError) as raised:
        await client.request("s1", RpcOperation.GROUPS_LIST, EmptyRequest(), GroupsData)

    assert raised.value.status == 502
    assert raised.value.code is ErrorCode.INTERNAL_ERROR
