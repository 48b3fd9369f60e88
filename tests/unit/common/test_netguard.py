"""Private-address checks for webhook and media URLs."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from wagate_common.netguard import (
    IpAddress,
    UrlNotAllowedError,
    check_address,
    resolve_allowed,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.1",
        "100.64.0.1",
        "169.254.1.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_private_address_refused(address: str) -> None:
    with pytest.raises(UrlNotAllowedError):
        check_address("http://x", ipaddress.ip_address(address), allow_private=False)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "fd00::1"])
def test_private_address_allowed_when_enabled(address: str) -> None:
    check_address("http://x", ipaddress.ip_address(address), allow_private=True)


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]
)
def test_metadata_refused_even_when_allowed(address: str) -> None:
    with pytest.raises(UrlNotAllowedError):
        check_address("http://x", ipaddress.ip_address(address), allow_private=True)


def test_public_address_allowed() -> None:
    check_address("http://x", ipaddress.ip_address("93.184.215.14"), allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://a.example/x", "file:///etc/passwd", "http://", "x"]
)
async def test_bad_scheme_or_host_refused(url: str) -> None:
    with pytest.raises(UrlNotAllowedError):
        await resolve_allowed(url, allow_private=True)


async def test_localhost_name_resolved_and_refused() -> None:
    with pytest.raises(UrlNotAllowedError, match="private"):
        await resolve_allowed("http://localhost:8080/hook", allow_private=False)


async def test_unresolvable_host_says_unreachable() -> None:
    async def no_such_host(host: str, port: int) -> list[IpAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(UrlNotAllowedError) as raised:
        await resolve_allowed("https://shop.invalid/a.png", False, no_such_host)

    assert str(raised.value) == (
        "URL 'https://shop.invalid/a.png' cannot be reached: "
        "host 'shop.invalid' does not resolve"
    )
