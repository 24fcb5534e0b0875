"""Token authentication whose tokens end: older than ``settings.TOKEN_LIFETIME`` is 401.

The check reads the token's ``created`` from the same row DRF already fetches, so it costs
no statement. A new login (people.logins.token_login) replaces an expired token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token.created <= timezone.now() - settings.TOKEN_LIFETIME:
            raise TokenExpired(_("登录令牌已过期，请重新登录。"))
        return user, token
