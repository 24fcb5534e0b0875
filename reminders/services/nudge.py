"""Nudge now: a leader or administrator reminds, at once, the people in their scope who still have to act.

The people are those of :func:`reminders.audience.recipients` for an occasion that has the caller's
scope (``people.scope``: an administrator everyone, a leader the subtrees they lead): for a session,
the eligible who have not submitted; for a plan, those behind. A nudge is an :class:`Occasion`
without a rule, delivered by the same fan-out and send as a rule's (inbox and e-mail), so it reaches
each person once. It says what the target's default reminder of the same kind says. The same caller may nudge the same session or plan once an hour: the check runs
under a lock on the caller's row, so two requests at once cannot both pass it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from courses.models import StudyPlan
from exams.models import ExamKind, ExamSession
from people.models import User
from people.scope import is_exam_admin, is_leader, led_paths

from .. import audience
from ..errors import NudgeNotPermitted, NudgeTooSoon, TargetClosed
from ..models import Channel, Event, Occasion, ReminderRule
from .rules import PLAN_DEFAULTS, SESSION_DEFAULTS, RuleIn

NUDGE_INTERVAL = timedelta(hours=1)


def _wording(*, event: str, default: RuleIn, **target: object) -> tuple[str, str]:
    """A nudge says what the target's own default reminder of that kind says (as administrators may have
    edited it), or the default wording when there is none."""
    rule = ReminderRule.objects.filter(event=event, is_default=True, **target).order_by("pk").first()
    return (rule.title, rule.body) if rule is not None else (default.title, default.body)


@dataclass(frozen=True)
class NudgeResult:
    recipients: int
    occasion: Occasion  # saved unless this was a preview
    sent: bool


def nudge_occasion(*, actor: User, session_id: int | None, plan_id: int | None, now: datetime) -> Occasion:
    """The (unsaved) occasion a nudge by ``actor`` would create; raises on a refusal."""
    if not (is_exam_admin(actor) or is_leader(actor)):
        raise NudgeNotPermitted(_("只有领导和管理员可以催办。"))
    if (session_id is None) == (plan_id is None):
        raise ValidationFailed(_("请指定一个考试场次（session）或一个学法计划（plan）。"), field="session")
    scope = None if is_exam_admin(actor) else led_paths(actor)
    common = {
        "rule": None,
        "channels": [Channel.INBOX, Channel.EMAIL],
        "scope_paths": scope,
        "due_at": now,
        "created_at": now,
        "actor": actor,
    }
    if session_id is not None:
        session = (
            ExamSession.objects.select_related("exam")
            .exclude(exam__kind=ExamKind.PRACTICE)
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            raise ValidationFailed(_("没有这个考试场次。"), field="session")
        if not session.opens_at <= now < session.closes_at:
            raise TargetClosed(_("该考试场次不在考试时间内，不能催办。"))
        title, body = _wording(event=Event.SESSION_CLOSES, default=SESSION_DEFAULTS[1], session=session)
        return Occasion(event=Event.SESSION_CLOSES, session=session, title=title, body=body, **common)
    plan = StudyPlan.objects.filter(pk=plan_id or 0).first()
    if plan is None:
        raise ValidationFailed(_("没有这个学法计划。"), field="plan")
    if now >= audience.window_end(event=Event.PLAN_BEHIND, plan=plan):
        raise TargetClosed(_("该学法计划的年度已结束，不能催办。"))
    title, body = _wording(event=Event.PLAN_BEHIND, default=PLAN_DEFAULTS[0], plan=plan)
    return Occasion(event=Event.PLAN_BEHIND, plan=plan, title=title, body=body, **common)


@transaction.atomic
def nudge(
    *,
    actor: User,
    session_id: int | None = None,
    plan_id: int | None = None,
    preview: bool = False,
    now: datetime,
) -> NudgeResult:
    """Count (``preview``) or remind now the people in ``actor``'s scope who still have to act.

    Raises ``NudgeNotPermitted`` (403), ``ValidationFailed`` (400), ``TargetClosed`` (409) and, for a
    second nudge of the same target by the same caller within the hour, ``NudgeTooSoon`` (429).
    """
    occasion = nudge_occasion(actor=actor, session_id=session_id, plan_id=plan_id, now=now)
    count = audience.recipients(occasion).count()
    if preview:
        return NudgeResult(recipients=count, occasion=occasion, sent=False)
    User.objects.select_for_update().filter(pk=actor.pk).first()
    recent = Occasion.objects.filter(
        actor=actor,
        session_id=occasion.session_id,
        plan_id=occasion.plan_id,
        created_at__gt=now - NUDGE_INTERVAL,
    )
    if recent.exists():
        raise NudgeTooSoon(_("一小时内已催办过，请稍后再试。"))
    occasion.save()
    return NudgeResult(recipients=count, occasion=occasion, sent=True)
