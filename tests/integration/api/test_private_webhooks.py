"""Private webhook addresses are refused unless the operator allows them."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.api.helpers import assert_error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://192.168.1.10/hook",
        "http://100.64.0.1/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://localhost/hook",
    ],
)
async def test_private_url_refused_by_default(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await client.post("/v1/webhooks", json={"url": url, "events": ["*"]})

    assert_error(response, 422, "WEBHOOK_URL_NOT_ALLOWED")
