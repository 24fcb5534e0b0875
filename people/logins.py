"""Logins: password guessing is limited per account, API tokens end, and locks are lifted by administrators.

Contract:

- Every failed login, on the page ``/login/`` (Django's ``LoginView``) and at the token endpoint
  (:func:`token_login`), is recorded by django-axes (``axes.AccessAttempt``, one row per account,
  address and browser). Once an account has ``AXES_FAILURE_LIMIT`` failures (10) within
  ``AXES_COOLOFF_TIME`` (15 minutes) it is locked for that long, from wherever the next try
  comes; a try while locked neither counts nor extends the lock, and a success clears the
  account's failures. Nothing is counted per address alone: 2,000 staff behind one NAT address
  log in side by side, and a wrong-password burst locks only its own account.
- The locked person is told in Chinese when to try again: the login page (status 429) and the
  API's ``{"detail", "code": "account_locked", "locked_until", "retry_after"}`` (429, with
  ``Retry-After``). :func:`locked_until` is the one place that computes it, with axes' own rule.
- An administrator lifts a lock in the admin (登录锁定, or the action on 干部职工):
  :func:`login_unlock`, recorded in the audit log.
- A token lives ``TOKEN_LIFETIME`` (people.authentication refuses an older one with 401); a new
  login replaces an expired token. :func:`tokens_revoke` ends every token of a person; the staff
  services call it when a password is set or an account deactivated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .errors import AccountLocked, LoginFailed
from .models import User


def locked_until(*, username: str, now: datetime) -> datetime | None:
    """When the account ``username`` may log in again, or None when it is not locked.

    The same rule as axes' database handler: the failures of the account's records whose last
    failure is within the cool-off, against the failure limit; the lock ends a cool-off after
    the last counted failure.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cool_off).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    if (recent["failures"] or 0) < settings.AXES_FAILURE_LIMIT or recent["last"] is None:
        return None
    return recent["last"] + cool_off


def lockout_error(*, username: str, now: datetime) -> AccountLocked:
    """The refusal for a locked account, naming the time to try again (local time) and the wait."""
    until = locked_until(username=username, now=now) or now + settings.AXES_COOLOFF_TIME
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    message = _(
        "登录失败次数过多，账号已暂时锁定。请于 %(time)s（约 %(minutes)s 分钟后）再试，或请管理员解除锁定。"
    ) % {"time": timezone.localtime(until).strftime("%H:%M"), "minutes": math.ceil(retry_after / 60)}
    return AccountLocked(message, locked_until=until, retry_after=retry_after)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lock-out answer (``AXES_LOCKOUT_CALLABLE``): the login page again, saying until when."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    error = lockout_error(username=username, now=timezone.now())
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error.as_dict(), status=error.status_code)
    else:
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "locked_message": error.message, "next": request.POST.get("next", "")}
        response = render(request, "registration/login.html", context, status=error.status_code)
    response["Retry-After"] = str(error.retry_after)
    return response


def token_login(*, request: Any, username: str, password: str, now: datetime) -> Token:
    """Check the password through django-axes and hand out the person's API token.

    Raises ``AccountLocked`` (the account is locked, even for the right password) or
    ``LoginFailed`` (wrong username or password, or an inactive account). An expired token
    is replaced by a new one. Not atomic on purpose: axes' record of a failure must survive the
    refusal that follows it.
    """
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise lockout_error(username=username, now=now)
        raise LoginFailed(_("用户名或密码不正确。"), field="password")
    # As a page login does: axes clears the account's failures, Django records last_login.
    user_logged_in.send(sender=type(user), request=request, user=user)
    token, created = Token.objects.get_or_create(user=user)
    if not created and token.created <= now - settings.TOKEN_LIFETIME:
        token.delete()
        token = Token.objects.create(user=user)
    return token


def tokens_revoke(*, users: Iterable[User]) -> int:
    """End every API token of ``users`` (a password set, an account deactivated); the count ended."""
    deleted, _by_model = Token.objects.filter(user__in=[user.pk for user in users]).delete()
    return deleted


@transaction.atomic
def login_unlock(*, usernames: Iterable[str], actor: User | None) -> int:
    """Lift the login lock of each account in ``usernames``; recorded in the audit log. The count lifted."""
    usernames = sorted(set(usernames))
    attempts = AccessAttempt.objects.filter(username__in=usernames)
    locked = sorted(set(attempts.values_list("username", flat=True)))
    attempts.delete()
    for person in User.objects.filter(username__in=locked):
        LogEntry.objects.log_create(
            person,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={"login_lock": [_("已锁定"), _("已解除")]},
            **({"actor": actor} if actor is not None else {}),
        )
    return len(locked)
