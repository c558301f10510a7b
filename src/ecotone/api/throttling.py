"""API throttles that count the client behind the proxy, not whatever X-Forwarded-For says.

DRF's own `get_ident` believes any `X-Forwarded-For` unless NUM_PROXIES is set, so a client
that rotates the header is never throttled.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling

from ecotone.clientip import client_address


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_address(request)


class UserRateThrottle(throttling.UserRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_address(request)
