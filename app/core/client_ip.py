"""The real client address of a request.

``X-Forwarded-For`` is believed only when ``PROXY_HEADERS_ENABLED`` is set
*and* the socket peer is one of ``TRUSTED_HOSTS`` (addresses or CIDR
networks; ``*`` trusts every peer). The header is then read right to left,
skipping trusted proxies, so a client cannot spoof its address by sending its
own ``X-Forwarded-For`` through the proxy chain.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.types import Scope

from app.core.middlewares import scope_header

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(hosts: tuple[str, ...]) -> tuple[Network, ...] | None:
    """Parsed trusted networks; ``None`` means "trust everyone" (``*``)."""
    if "*" in hosts:
        return None
    out: list[Network] = []
    for host in hosts:
        try:
            out.append(ipaddress.ip_network(host.strip(), strict=False))
        except ValueError:
            continue  # host names cannot match a socket peer; ignore them
    return tuple(out)


def is_trusted(ip: str, trusted_hosts: Iterable[str]) -> bool:
    networks = _networks(tuple(trusted_hosts))
    if networks is None:
        return True
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr.version == net.version and addr in net for net in networks)


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(scope: Scope, proxy_headers: bool, trusted_hosts: Iterable[str]) -> str:
    """The client IP of ``scope`` under the proxy rules above ("" when unknown)."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    trusted = tuple(trusted_hosts)
    if not proxy_headers or not peer or not is_trusted(peer, trusted):
        return peer
    forwarded = scope_header(scope, b"x-forwarded-for")
    if forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        ip = peer
        for hop in reversed(hops):
            parsed = _valid_ip(hop)
            if parsed is None:
                return ip  # garbage in the chain: believe nothing left of it
            ip = parsed
            if not is_trusted(ip, trusted):
                return ip
        return ip  # every hop is a trusted proxy: the left-most one sent it
    real = scope_header(scope, b"x-real-ip")
    return (_valid_ip(real) if real else None) or peer
