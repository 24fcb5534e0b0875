"""Absolute links to a credential's public verification page (the QR code's target)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from .models import Credential


def verify_path(credential: Credential) -> str:
    return reverse("credentials:verify", args=[credential.token])


def verify_url(credential: Credential, *, request: Any = None) -> str:
    """``CREDENTIAL_VERIFY_BASE_URL`` + the page's path when set (the public address behind a proxy),
    else the address the request came to."""
    base = str(getattr(settings, "CREDENTIAL_VERIFY_BASE_URL", "") or "").rstrip("/")
    if base:
        return base + verify_path(credential)
    if request is not None:
        return str(request.build_absolute_uri(verify_path(credential)))
    return verify_path(credential)
