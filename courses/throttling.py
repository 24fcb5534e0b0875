"""Guessing a six-digit sign-in code is throttled, through the API and on the page alike.

Both count against DRF's ``sign_in`` scope (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``) with
``common.throttling.ScopedRateThrottle``, keyed by the person (a stranger by the client address
common.client_address decides), so tries on the page and through the API add up to one limit.
"""

from __future__ import annotations

import math
from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.views import APIView

from common.throttling import ScopedRateThrottle

SIGN_IN_THROTTLE_SCOPE = "sign_in"


class _SignInCodePage:
    """What ScopedRateThrottle reads off a view: the scope whose rate and count it uses."""

    throttle_scope = SIGN_IN_THROTTLE_SCOPE


def sign_in_code_try(request: HttpRequest) -> int | None:
    """Count one try at a code on a web page: None when it is allowed, else the seconds to wait.

    The throttle only reads ``request.user`` (and the client address for strangers), which a
    Django request has as a DRF one does.
    """
    throttle = ScopedRateThrottle()
    if throttle.allow_request(cast(Request, request), cast(APIView, _SignInCodePage)):
        return None
    return max(1, math.ceil(throttle.wait() or 0))
