"""Running a scheduled session from the workspace: close it early, or extend its window.

Both lock the session row, change ``closes_at`` only, and are audited through django-auditlog
(``ExamSession`` is registered; the actor comes from the request). Attempts already started keep
their own deadlines; a closed session admits no new start.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed

from ..errors import SessionClosed, SessionNotOpen
from ..models import ExamSession
from .exams import SESSION_YEARS


@transaction.atomic
def session_close(*, session: ExamSession, now: datetime) -> ExamSession:
    """Close an open session now. ``SessionNotOpen`` before it opens, ``SessionClosed`` once closed."""
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    if now < session.opens_at:
        raise SessionNotOpen(_("场次尚未开始，不能提前结束；如需取消请修改时间。"))
    if now >= session.closes_at:
        raise SessionClosed(_("场次已经结束。"))
    session.closes_at = now
    session.save(update_fields=["closes_at"])
    return session


@transaction.atomic
def session_extend(*, session: ExamSession, closes_at: datetime | None, now: datetime) -> ExamSession:
    """Move a session's end later (also reopening a closed one). ``ValidationFailed`` on ``closes_at``
    when it is missing, not later than the present end, or not in the future."""
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    if closes_at is None:
        raise ValidationFailed(_("请填写新的结束时间。"), field="closes_at")
    if closes_at <= session.closes_at:
        raise ValidationFailed(_("新的结束时间必须晚于原结束时间。"), field="closes_at")
    if closes_at <= now:
        raise ValidationFailed(_("新的结束时间必须晚于现在。"), field="closes_at")
    if closes_at.year > SESSION_YEARS[1]:
        raise ValidationFailed(
            _("时间应在 %(a)s 年至 %(b)s 年之间。") % {"a": SESSION_YEARS[0], "b": SESSION_YEARS[1]},
            field="closes_at",
        )
    session.closes_at = closes_at
    session.save(update_fields=["closes_at"])
    return session
