"""``wagate up`` on servers the operator already runs."""

from __future__ import annotations

from tests.e2e.conftest import StackFactory
from tests.e2e.test_walkthrough import pair_new_session


def test_up_uses_given_servers(
    stack_factory: StackFactory, nats_server_url: str, mongo_server_url: str
) -> None:
    stack = stack_factory(
        {
            "WAGATE_NATS_URL": nats_server_url,
            "WAGATE_MONGO_URL": mongo_server_url,
            "WAGATE_MONGO_DB": "e2e_existing",
        }
    )

    session = pair_new_session(stack.api, "ext")

    log = stack.log_path.read_text()
    assert session["status"] == "connected"
    assert f"nats       {nats_server_url}" in log
    assert f"mongodb    {mongo_server_url}" in log
    assert "nats       |" not in log
    assert "mongo      |" not in log
