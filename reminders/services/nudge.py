"""Nudge now: a leader or administrator reminds, at once, the people in their scope who still have to act.

The people are those of :func:`reminders.audience.recipients` for an occasion that has the caller's
scope (``people.scope``: an administrator everyone, a leader the subtrees they lead): for a session,
the eligible who have not submitted; for a plan, those behind. A nudge is an :class:`Occasion`
without a rule, delivered by the same fan-out and send as a rule's (inbox and e-mail), so it reaches
each person once. It says what the target's default reminder of the same kind says. The same caller may nudge the same session or plan once an hour: the check runs
under a lock on the caller's row, so two requests at once cannot both pass it.

A credentials nudge (``credentials``: one of :data:`CREDENTIAL_TARGETS`, ``"at_risk"`` or one reason)
reminds the people in scope whose credential is at risk by ``credentials.selectors.risk_q`` (the rule
the reports' lists use), recomputed when it is sent; its occasion has the event
``credentials_at_risk`` and the reason as ``key``, and says :data:`CREDENTIAL_WORDING`. The lists
overlap, so a caller nudges about credentials once an hour, whatever the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.errors import ValidationFailed
from courses.models import StudyPlan
from credentials.selectors import AT_RISK, RISKS
from exams.models import ExamKind, ExamSession
from people.models import User
from people.scope import is_exam_admin, is_leader, led_paths

from .. import audience
from ..errors import NudgeNotPermitted, NudgeTooSoon, TargetClosed
from ..models import Channel, Event, Occasion, ReminderRule
from .rules import PLAN_DEFAULTS, SESSION_DEFAULTS, RuleIn

NUDGE_INTERVAL = timedelta(hours=1)

# What a credentials nudge may be about: everyone at risk, or one reason (the reports' lists).
CREDENTIAL_TARGETS = (AT_RISK, *RISKS)

# What a credentials nudge says, by its target: (title, body) with {姓名} and {链接} (the credentials
# page). Sent in the site's language (Chinese), what the recipients read; a preview shows it in the
# reader's language.
CREDENTIAL_WORDING: dict[str, tuple[str, str]] = {
    AT_RISK: (
        gettext_noop("执法资格提醒"),
        gettext_noop(
            "{姓名}，您好！您的执法资格需要处理（执法证即将到期、被暂扣、年审不合格或暂不能执法），"
            "请尽快查看并办理。{链接}"
        ),
    ),
    "expiring": (
        gettext_noop("执法证即将到期"),
        gettext_noop("{姓名}，您好！您的执法证即将到期，请及时办理换证。{链接}"),
    ),
    "suspended": (
        gettext_noop("执法证已暂扣"),
        gettext_noop("{姓名}，您好！您的执法证已被暂扣，请尽快查看并办理。{链接}"),
    ),
    "review_failed": (
        gettext_noop("执法证年审不合格"),
        gettext_noop("{姓名}，您好！您的执法证年审不合格，请尽快补足培训学时或按要求办理。{链接}"),
    ),
    "not_enforcing": (
        gettext_noop("暂不能执法"),
        gettext_noop("{姓名}，您好！您目前没有可以执法的有效执法证，请尽快查看并办理。{链接}"),
    ),
}


def credential_wording(target: str) -> tuple[str, str]:
    """A credentials nudge's (title, body) in the active language."""
    title, body = CREDENTIAL_WORDING[target]
    return _(title), _(body)


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


def nudge_occasion(
    *,
    actor: User,
    session_id: int | None,
    plan_id: int | None,
    now: datetime,
    credentials: str | None = None,
) -> Occasion:
    """The (unsaved) occasion a nudge by ``actor`` would create; raises on a refusal."""
    if not (is_exam_admin(actor) or is_leader(actor)):
        raise NudgeNotPermitted(_("只有领导和管理员可以催办。"))
    targets = [
        name
        for name, value in (("session", session_id), ("plan", plan_id), ("credentials", credentials))
        if value is not None
    ]
    if len(targets) != 1:
        raise ValidationFailed(
            _(
                "请指定一个考试场次（session）、一个学法计划（plan）或一类执法资格（credentials），且只指定一个。"
            ),
            field="credentials" if len(targets) > 1 and credentials is not None else "session",
        )
    scope = None if is_exam_admin(actor) else led_paths(actor)
    common = {
        "rule": None,
        "channels": [Channel.INBOX, Channel.EMAIL],
        "scope_paths": scope,
        "due_at": now,
        "created_at": now,
        "actor": actor,
    }
    if credentials is not None:
        if credentials not in CREDENTIAL_TARGETS:
            raise ValidationFailed(
                _("credentials 须为 %(choices)s 之一。") % {"choices": ", ".join(CREDENTIAL_TARGETS)},
                field="credentials",
            )
        title, body = credential_wording(credentials)
        return Occasion(event=Event.CREDENTIALS_AT_RISK, key=credentials, title=title, body=body, **common)
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
    credentials: str | None = None,
    preview: bool = False,
    now: datetime,
) -> NudgeResult:
    """Count (``preview``) or remind now the people in ``actor``'s scope who still have to act (for
    ``credentials``: whose credential is at risk).

    Raises ``NudgeNotPermitted`` (403), ``ValidationFailed`` (400), ``TargetClosed`` (409) and, for a
    second nudge of the same target by the same caller within the hour, ``NudgeTooSoon`` (429).
    """
    occasion = nudge_occasion(
        actor=actor, session_id=session_id, plan_id=plan_id, credentials=credentials, now=now
    )
    if occasion.event == Event.CREDENTIALS_AT_RISK:
        with translation.override(settings.LANGUAGE_CODE):  # what it stores goes out in the site's language
            occasion.title, occasion.body = credential_wording(occasion.key)
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
    if occasion.event == Event.CREDENTIALS_AT_RISK:
        recent = recent.filter(event=Event.CREDENTIALS_AT_RISK)
    if recent.exists():
        raise NudgeTooSoon(_("一小时内已催办过，请稍后再试。"))
    occasion.save()
    return NudgeResult(recipients=count, occasion=occasion, sent=True)
