"""The home page's part from credentials: my credential (its state and a link to the certificate),
and a reminder when it is about to expire or the annual review is short."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.home import HomeTask
from people.scope import is_exam_admin, is_leader

from . import selectors
from .models import CredentialStatus, ReviewStanding

# A credential ending within this long is shown as urgent.
EXPIRY_WARNING = selectors.EXPIRY_WARNING


def credential_tasks(user: Any) -> list[HomeTask]:
    if not getattr(user, "is_authenticated", False):
        return []
    tasks = _register_link(user)
    credential = selectors.current_credential(person=user)
    if credential is None:
        return tasks
    today = timezone.localdate()
    status = CredentialStatus(credential.status).label
    detail = _("%(status)s · 有效期 %(start)s 至 %(end)s") % {
        "status": status,
        "start": credential.valid_from.isoformat(),
        "end": credential.valid_until.isoformat(),
    }
    urgent = False
    if credential.review_standing == ReviewStanding.FAILED:
        detail += " · " + _("年审不合格，补足学时前不得执法")
        urgent = True
    if credential.status == CredentialStatus.VALID and credential.valid_until - today <= EXPIRY_WARNING:
        detail += " · " + _("即将到期，请参加资格考试换证")
        urgent = True
    return [
        HomeTask(
            title=_("我的执法资格：%(number)s") % {"number": credential.number},
            detail=detail,
            url=reverse("credentials:detail", args=[credential.pk]),
            urgent=urgent,
        ),
        *tasks,
    ]


def _register_link(user: Any) -> list[HomeTask]:
    """Leaders and administrators: the register of what they may see, with what needs a decision."""
    if not (is_exam_admin(user) or is_leader(user)):
        return []
    figures = selectors.credential_figures(user=user)
    detail = _("有效 %(valid)s · 暂扣 %(suspended)s · 年审不合格 %(failed)s · 待处理 %(flagged)s") % {
        "valid": figures.valid,
        "suspended": figures.suspended,
        "failed": figures.review_failed,
        "flagged": figures.flagged,
    }
    return [
        HomeTask(
            title=_("执法资格登记簿"),
            detail=detail,
            url=reverse("credentials:register"),
            urgent=bool(figures.flagged) and is_exam_admin(user),
        )
    ]
