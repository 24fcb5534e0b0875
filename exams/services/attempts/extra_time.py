"""Extra time for one candidate's attempt in progress, recorded with who, when, how long and why."""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import User

from ...errors import AttemptClosed, AttemptNotFound
from ...models import Attempt, AttemptExtraTime, AttemptStatus
from .common import attempt_locked, is_overdue
from .submit import attempt_submit_if_overdue

MAX_EXTRA_MINUTES = 600


def attempt_extra_time_grant(
    *, attempt_id: int, minutes: int, reason: str, actor: User | None, now: datetime
) -> AttemptExtraTime:
    """Give one candidate's attempt in progress more time; records who, when, how long and why.

    The deadline moves by ``minutes`` (1–600), even past the session's close.
    Refused with ``AttemptClosed`` once the attempt is submitted or past its
    deadline plus grace (it is then submitted first, as any access does).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写延时原因。"), field="reason")
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationFailed(
            _("延长时间应在 1 到 %(max)s 分钟之间。") % {"max": MAX_EXTRA_MINUTES}, field="minutes"
        )
    if attempt_submit_if_overdue(attempt_id=attempt_id, now=now):
        raise AttemptClosed(_("答题时间已过，答卷已自动提交，不能再延长时间。"))
    return _extra_time_grant(attempt_id=attempt_id, minutes=minutes, reason=reason, actor=actor, now=now)


@transaction.atomic
def _extra_time_grant(
    *, attempt_id: int, minutes: int, reason: str, actor: User | None, now: datetime
) -> AttemptExtraTime:
    attempt = attempt_locked(attempt_id=attempt_id)
    if attempt is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    if attempt.status != AttemptStatus.IN_PROGRESS or is_overdue(
        deadline=attempt.deadline, status=attempt.status, now=now
    ):
        raise AttemptClosed(_("答卷已提交，不能延长时间。"))
    before = attempt.deadline
    attempt.deadline = before + timedelta(minutes=minutes)
    attempt.extra_minutes += minutes
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=attempt.deadline, extra_minutes=attempt.extra_minutes
    )
    LogEntry.objects.log_create(
        attempt,
        action=LogEntry.Action.UPDATE,
        changes={
            "deadline": [before.isoformat(), attempt.deadline.isoformat()],
            "extra_minutes": [str(attempt.extra_minutes - minutes), str(attempt.extra_minutes)],
        },
        actor=actor,
        additional_data={"reason": reason, "minutes": minutes},
    )
    return AttemptExtraTime.objects.create(
        attempt=attempt,
        minutes=minutes,
        reason=reason,
        actor=actor,
        created_at=now,
        deadline_before=before,
        deadline_after=attempt.deadline,
    )
