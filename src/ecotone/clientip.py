"""The client's address, as sign-in lockouts, rate limits and API throttles count it.

Behind the TLS proxy every request comes from the proxy's socket address, and the proxy names
the client in `X-Forwarded-For` (appending what it saw to whatever the client sent). The header
is believed only when the request came from an address in TRUSTED_PROXIES, and then read from
the right, skipping further trusted proxies: the first untrusted hop is the client. Anything a
client writes into the header itself stays to the left of that hop and is never reached.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in trusted)


def _parse(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(request: Any) -> str:
    """The address of the client of `request` (a Django or DRF request)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    hop = _parse(remote)
    if hop is None or not networks or not _trusted(hop, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for value in reversed(forwarded.split(",")):
        previous = hop
        hop = _parse(value)
        if hop is None:
            # The proxy passed on something that is not an address: go no further.
            return str(previous)
        if not _trusted(hop, networks):
            return str(hop)
    return str(hop)
