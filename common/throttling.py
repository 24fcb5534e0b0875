"""DRF throttles that know the client's address as common.client_address decides it.

DRF's own ``get_ident`` believes ``X-Forwarded-For`` as the client sent it unless
``NUM_PROXIES`` is set, so a new header per request would reset any per-address limit.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling

from .client_address import client_address


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_address(request)
