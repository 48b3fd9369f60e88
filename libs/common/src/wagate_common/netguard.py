"""Checks that keep webhooks and media downloads away from private networks.

A gateway that POSTs to any URL a caller names can be turned against the
network it runs in (server-side request forgery). URLs are checked when a
webhook is saved and again, against the resolved addresses, before each
connection, because a DNS name can change what it points to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Resolves a host name and port to addresses; tests replace the system resolver.
Resolver = Callable[[str, int], Awaitable[list[IpAddress]]]

# Cloud metadata services: refused even when private addresses are allowed.
_METADATA_NETWORKS = [
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("169.254.170.2/32"),
    ipaddress.ip_network("100.100.100.200/32"),
    ipaddress.ip_network("fd00:ec2::254/128"),
]
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UrlNotAllowedError(ValueError):
    """A URL's scheme or address is not allowed."""

    def __init__(self, url: str, reason: str, *, verdict: str = "is not allowed") -> None:
        super().__init__(f"URL '{url}' {verdict}: {reason}")
        self.url = url
        self.reason = reason


def is_metadata_address(address: IpAddress) -> bool:
    """Whether ``address`` is a cloud metadata endpoint."""
    return any(address in network for network in _METADATA_NETWORKS)


def is_private_address(address: IpAddress) -> bool:
    """Whether ``address`` is loopback, private, link-local, CGNAT or otherwise local."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return is_private_address(address.ipv4_mapped)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in _CGNAT
    )


def check_address(url: str, address: IpAddress, allow_private: bool) -> None:
    """Raise :class:`UrlNotAllowedError` when ``address`` may not be contacted."""
    if is_metadata_address(address):
        raise UrlNotAllowedError(url, f"{address} is a cloud metadata address")
    if is_private_address(address) and not allow_private:
        raise UrlNotAllowedError(
            url, f"{address} is a private, loopback or link-local address"
        )


def split_http_url(url: str) -> tuple[str, int]:
    """Return the host and port of an http(s) URL.

    Raises:
        UrlNotAllowedError: for other schemes or a URL without a host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlNotAllowedError(url, "the scheme must be http or https")
    if not parts.hostname:
        raise UrlNotAllowedError(url, "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UrlNotAllowedError(url, "the port is invalid") from error
    return parts.hostname, port


async def resolve_allowed(
    url: str, allow_private: bool, resolver: Resolver | None = None
) -> list[IpAddress]:
    """Resolve a URL's host and check every address it resolves to.

    ``resolver`` replaces the system resolver (``getaddrinfo``) for host names;
    an address literal is never resolved.

    Raises:
        UrlNotAllowedError: for a bad scheme, an unresolvable host or a
            refused address.
    """
    host, port = split_http_url(url)
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        addresses = await _resolve(url, host, port, resolver or resolve_host)
    for address in addresses:
        check_address(url, address, allow_private)
    return addresses


async def resolve_host(host: str, port: int) -> list[IpAddress]:
    """Resolve ``host`` with the system resolver.

    Raises:
        socket.gaierror: the host does not resolve.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def _resolve(url: str, host: str, port: int, resolver: Resolver) -> list[IpAddress]:
    try:
        addresses = await resolver(host, port)
    except socket.gaierror as error:
        raise UrlNotAllowedError(
            url, f"host '{host}' does not resolve", verdict="cannot be reached"
        ) from error
    if not addresses:
        raise UrlNotAllowedError(
            url, f"host '{host}' resolves to no address", verdict="cannot be reached"
        )
    return addresses


@dataclass(frozen=True, slots=True)
class PinnedRequest:
    """A request aimed at one checked address rather than at the URL's host name.

    Attributes:
        url: The URL with its host replaced by the address.
        headers: ``Host`` with the original host, for the receiver's routing.
        extensions: httpx request extensions: the TLS server name for https,
            so the certificate is still checked against the host name.
    """

    url: str
    headers: dict[str, str]
    extensions: dict[str, Any]


def pin_address(url: str, address: IpAddress | None) -> PinnedRequest:
    """Aim a request at ``address``, so DNS cannot change between check and connect."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if address is None or _is_address_literal(host):
        return PinnedRequest(url=url, headers={}, extensions={})

    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    extensions: dict[str, Any] = {}
    if parts.scheme == "https":
        extensions["sni_hostname"] = host
    return PinnedRequest(
        url=urlunsplit(parts._replace(netloc=netloc)),
        headers={"Host": host_header},
        extensions=extensions,
    )


def _is_address_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
