"""X-Forwarded-For is believed only from trusted proxies, and read right to left."""

from __future__ import annotations

from app.core.client_ip import client_ip


def scope(peer: str, xff: str | None = None, real: str | None = None) -> dict[str, object]:
    headers = []
    if xff is not None:
        headers.append((b"x-forwarded-for", xff.encode()))
    if real is not None:
        headers.append((b"x-real-ip", real.encode()))
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_header_ignored_when_proxy_headers_are_off() -> None:
    assert client_ip(scope("10.0.0.1", "1.2.3.4"), False, ["10.0.0.1"]) == "10.0.0.1"


def test_header_ignored_from_an_untrusted_peer() -> None:
    assert client_ip(scope("203.0.113.9", "1.2.3.4"), True, ["10.0.0.1"]) == "203.0.113.9"


def test_rightmost_untrusted_hop_wins_so_injected_values_are_skipped() -> None:
    # The client sent "X-Forwarded-For: 6.6.6.6"; the trusted proxy appended the real address.
    assert client_ip(scope("10.0.0.1", "6.6.6.6, 198.51.100.7"), True, ["10.0.0.0/8"]) == "198.51.100.7"
    assert client_ip(scope("10.0.0.1", "198.51.100.7, 10.0.0.2"), True, ["10.0.0.0/8"]) == "198.51.100.7"


def test_garbage_in_the_chain_is_not_believed() -> None:
    assert client_ip(scope("10.0.0.1", "1.2.3.4, not-an-ip"), True, ["10.0.0.1"]) == "10.0.0.1"


def test_real_ip_header_and_wildcard_trust() -> None:
    assert client_ip(scope("10.0.0.1", real="198.51.100.8"), True, ["10.0.0.1"]) == "198.51.100.8"
    assert client_ip(scope("192.0.2.1", "198.51.100.9"), True, ["*"]) == "198.51.100.9"
