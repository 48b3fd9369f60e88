"""Reading the session and operation out of a live request's subject."""

from __future__ import annotations

import pytest

from wagate_common.broker import subjects
from wagate_common.schemas.rpc import RpcOperation
from wagate_worker.rpc.server import RpcTarget, parse_subject


@pytest.mark.parametrize("operation", list(RpcOperation))
def test_every_operation_parsed(operation: RpcOperation) -> None:
    subject = subjects.rpc(3, "sales-1", operation)

    assert parse_subject(subject) == RpcTarget("sales-1", operation)


@pytest.mark.parametrize(
    "subject",
    [
        "wagate.rpc.3.sales-1.contacts.delete",
        "wagate.rpc.3.sales-1",
        "wagate.rpc.3.sales-1.contacts",
        "wagate.rpc.3",
    ],
)
def test_unknown_subject_rejected(subject: str) -> None:
    assert parse_subject(subject) is None
