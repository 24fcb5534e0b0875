"""The outside channels: e-mail through Django's mail backend, and the group robot of 企业微信 or 钉钉.

Each function sends one thing and raises :class:`ChannelError` when it did not go; retrying, back-off
and recording the failure are the delivery service's. Working hours are decided here too, so both
channels wait for the same hours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

WEBHOOK_TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    """A channel refused or could not be reached; the message says what happened."""


# ---------------------------------------------------------------- working hours


def in_working_hours(now: datetime) -> bool:
    start, end = settings.REMINDERS_WORKING_HOURS
    local = now.astimezone(ZoneInfo(settings.REMINDERS_WORKING_TIME_ZONE))
    return start <= local.hour < end


def next_working_time(now: datetime) -> datetime:
    """``now`` when it lies in working hours, else the next start of working hours."""
    if in_working_hours(now):
        return now
    start, _end = settings.REMINDERS_WORKING_HOURS
    zone = ZoneInfo(settings.REMINDERS_WORKING_TIME_ZONE)
    local = now.astimezone(zone)
    opening = local.replace(hour=start, minute=0, second=0, microsecond=0)
    if local.hour >= start:
        opening = (opening + timedelta(days=1)).replace(hour=start)
    return opening.astimezone(now.tzinfo)


# ---------------------------------------------------------------- e-mail


def email_message(*, to: str, subject: str, body: str, url: str) -> EmailMultiAlternatives:
    """A plain-text e-mail with an HTML alternative carrying the same text and the link."""
    message = EmailMultiAlternatives(subject=subject, body=f"{body}\n\n{url}".strip(), to=[to])
    html = render_to_string("reminders/email.html", {"subject": subject, "body": body, "url": url})
    message.attach_alternative(html, "text/html")
    return message


def email_send(message: EmailMultiAlternatives, *, connection: BaseEmailBackend) -> None:
    try:
        sent = connection.send_messages([message])
    except Exception as error:  # the backend's own errors (SMTP, socket) all mean "not sent"
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    if sent != 1:
        raise ChannelError("the mail backend sent nothing")


# ---------------------------------------------------------------- group robot


def webhook_configured() -> bool:
    return bool(settings.REMINDERS_WEBHOOK_URL)


def webhook_payload(*, title: str, text: str) -> dict[str, object]:
    """The robot's markdown message: 企业微信 ``markdown.content``; 钉钉 ``markdown.title`` and ``.text``."""
    if settings.REMINDERS_WEBHOOK_KIND == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def webhook_url(*, now_ms: int | None = None) -> str:
    """The robot's URL; for 钉钉 with a secret, signed with ``timestamp`` and ``sign`` (HMAC-SHA256)."""
    url = str(settings.REMINDERS_WEBHOOK_URL)
    secret = str(settings.REMINDERS_WEBHOOK_SECRET)
    if settings.REMINDERS_WEBHOOK_KIND != "dingtalk" or not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def webhook_post(payload: dict[str, object]) -> None:
    """POST the JSON message; anything but HTTP 200 with ``errcode`` 0 raises :class:`ChannelError`."""
    request = urllib.request.Request(
        webhook_url(),
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            answer = response.read()
    except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        raise ChannelError(f"not JSON: {answer[:200]!r}") from None
    if errcode != 0:
        raise ChannelError(f"errcode {errcode}: {answer[:200].decode(errors='replace')}")
