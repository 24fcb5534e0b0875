"""Writing reminder rules: checked on save, audited (django-auditlog), and the defaults of new sessions and plans.

Default rules are created by the beat sweep (:func:`default_rules_ensure`), not by a signal of the
exams or courses app: those apps must not know reminders exist (the import contract), and a sweep
also covers sessions and plans written by imports, the admin or a data migration. A
:class:`DefaultRulesApplied` row marks each session and plan done, so a default rule an administrator
deleted stays deleted. A session or plan gets its defaults at the latest one sweep (a minute) after it
is saved; its rules page asks for them at once.

Credential rules are bureau-wide (they fire per credential, not per target row), and the sweep
creates their defaults once per database (:data:`CREDENTIAL_DEFAULTS`: 90 and 30 days before a
credential ends, and 60 days before the annual review date to holders short of the year's hours),
marked by the one ``DefaultRulesApplied`` row with ``credentials`` set (a unique constraint, so two
sweeps at once create them once). Decided so because an officer whose credential lapses may not
enforce the next day, and nobody should have to remember to set that reminder up; an administrator
who does not want them pauses or deletes them, and deleted they stay deleted. They are made by the
sweep rather than by a data migration so that a fresh database (and every test database) starts
without rules until the platform actually runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import StudyActivity, StudyPlan
from exams.models import ExamKind, ExamSession
from people.models import Department, User

from .. import channels
from ..errors import RuleInvalid
from ..messages import CREDENTIAL_PLACEHOLDERS, PLACEHOLDERS, template_check
from ..models import EVENT_TARGET, DefaultRulesApplied, Event, ReminderRule, Target

MINUTES_PER_DAY = 24 * 60


@dataclass
class RuleIn:
    target: str
    event: str
    title: str
    body: str
    session: ExamSession | None = None
    plan: StudyPlan | None = None
    activity: StudyActivity | None = None
    offset_minutes: int = 0
    fixed_at: datetime | None = None
    departments: list[Department] = field(default_factory=list)
    enforcement_officers_only: bool = False
    via_inbox: bool = True
    via_email: bool = False
    via_webhook: bool = False
    is_active: bool = True


def rule_check(data: RuleIn) -> None:
    """Raise a :class:`RuleInvalid` (or ``UnknownPlaceholder``) naming the field at fault."""
    if data.target not in Target.values:
        raise RuleInvalid(_("未知的提醒对象。"), field="target")
    if EVENT_TARGET.get(data.event) != data.target:
        raise RuleInvalid(_("提醒时机与提醒对象不符。"), field="event")
    wanted = {Target.SESSION: "session", Target.PLAN: "plan", Target.ACTIVITY: "activity"}.get(
        Target(data.target)
    )
    for name in ("session", "plan", "activity"):
        if name == wanted and getattr(data, name) is None:
            raise RuleInvalid(
                _("请选择提醒所针对的%(what)s。") % {"what": Target(data.target).label}, field=name
            )
        if name != wanted and getattr(data, name) is not None:
            if wanted is None:
                raise RuleInvalid(
                    _("执法资格提醒面向全部持证人，不能选择考试场次、学法计划或学法活动。"), field=name
                )
            raise RuleInvalid(_("提醒只能针对一个对象。"), field=name)
    if data.target == Target.CREDENTIAL:
        if data.fixed_at is not None:
            raise RuleInvalid(
                _("执法资格提醒按每本证件的有效期或年审日期计算，不能设固定时间。"), field="fixed_at"
            )
        if data.offset_minutes > 0:
            raise RuleInvalid(
                _("执法资格提醒只能设在到期日或年审日期之前（相对时间不能为正数）。"),
                field="offset_minutes",
            )
    if data.event == Event.SESSION_FAILED and (data.fixed_at is not None or data.offset_minutes < 0):
        raise RuleInvalid(_("未及格后的提醒只能设为交卷后若干分钟。"), field="offset_minutes")
    if abs(data.offset_minutes) > 366 * MINUTES_PER_DAY:
        raise RuleInvalid(_("相对时间不能超过一年。"), field="offset_minutes")
    if not (data.via_inbox or data.via_email or data.via_webhook):
        raise RuleInvalid(_("请至少选择一个发送渠道。"), field="via_inbox")
    if data.via_webhook and not channels.webhook_configured():
        raise RuleInvalid(
            _("未配置群机器人地址（REMINDERS_WEBHOOK_URL），不能选择群机器人。"), field="via_webhook"
        )
    if not data.title.strip():
        raise RuleInvalid(_("请填写标题。"), field="title")
    if not data.body.strip():
        raise RuleInvalid(_("请填写正文。"), field="body")
    known = CREDENTIAL_PLACEHOLDERS if data.target == Target.CREDENTIAL else PLACEHOLDERS
    template_check(data.title, field="title", known=known)
    template_check(data.body, field="body", known=known)


def _values(data: RuleIn) -> dict[str, object]:
    return {f.name: getattr(data, f.name) for f in fields(data) if f.name != "departments"}


@transaction.atomic
def rule_create(*, data: RuleIn, actor: User | None) -> ReminderRule:
    rule_check(data)
    rule = ReminderRule(created_by=actor, **_values(data))
    rule.save()
    rule.departments.set(data.departments)
    return rule


@transaction.atomic
def rule_update(*, rule: ReminderRule, data: RuleIn) -> ReminderRule:
    """Change a rule; an occasion it already fired on keeps what it said then."""
    rule_check(data)
    for name, value in _values(data).items():
        setattr(rule, name, value)
    rule.save()
    rule.departments.set(data.departments)
    return rule


def rule_in(rule: ReminderRule) -> RuleIn:
    """The rule's current values, to change a few of them and pass to :func:`rule_update`."""
    values = {f.name: getattr(rule, f.name) for f in fields(RuleIn) if f.name != "departments"}
    return RuleIn(**values, departments=list(rule.departments.all()))  # type: ignore[arg-type]


@transaction.atomic
def rule_set_active(*, rule: ReminderRule, is_active: bool) -> ReminderRule:
    rule.is_active = is_active
    rule.save(update_fields=["is_active", "updated_at"])
    return rule


@transaction.atomic
def rule_delete(*, rule: ReminderRule) -> None:
    """Delete a rule; its occasions and delivery rows stay as the record of what was sent."""
    rule.delete()


# ---------------------------------------------------------------- defaults

SESSION_DEFAULTS = [
    RuleIn(
        target=Target.SESSION,
        event=Event.SESSION_OPENS,
        offset_minutes=0,
        via_email=True,
        title="考试通知：{考试名称}",
        body="{姓名}，您好！{考试名称}已开始，请于{截止时间}前完成作答。{链接}",
    ),
    RuleIn(
        target=Target.SESSION,
        event=Event.SESSION_CLOSES,
        offset_minutes=-MINUTES_PER_DAY,
        via_email=True,
        title="考试即将截止：{考试名称}",
        body="{姓名}，您好！{考试名称}将于{截止时间}截止，您尚未交卷，请尽快参加。{链接}",
    ),
    RuleIn(
        target=Target.SESSION,
        event=Event.SESSION_FAILED,
        offset_minutes=60,
        title="补考提醒：{考试名称}",
        body="{姓名}，您好！您在{考试名称}中未及格，还有补考机会，请于{截止时间}前再次作答。{链接}",
    ),
]
PLAN_DEFAULTS = [
    RuleIn(
        target=Target.PLAN,
        event=Event.PLAN_BEHIND,
        offset_minutes=-30 * MINUTES_PER_DAY,
        via_email=True,
        title="学法进度提醒：{课程名称}",
        body="{姓名}，您好！按照{课程名称}，您还有必修课程未学完或学时不足，请于{截止时间}前完成。{链接}",
    ),
]

CREDENTIAL_DEFAULTS = [
    RuleIn(
        target=Target.CREDENTIAL,
        event=Event.CREDENTIAL_EXPIRING,
        offset_minutes=-90 * MINUTES_PER_DAY,
        via_email=True,
        title="执法证到期提醒：{证号}",
        body="{姓名}，您好！您的执法证（{证号}）将于{截止时间}到期，请及时参加执法资格考试换证。{链接}",
    ),
    RuleIn(
        target=Target.CREDENTIAL,
        event=Event.CREDENTIAL_EXPIRING,
        offset_minutes=-30 * MINUTES_PER_DAY,
        via_email=True,
        title="执法证即将到期：{证号}",
        body="{姓名}，您好！您的执法证（{证号}）将于{截止时间}到期，到期后不能执法，请尽快换证。{链接}",
    ),
    RuleIn(
        target=Target.CREDENTIAL,
        event=Event.CREDENTIAL_HOURS_SHORT,
        offset_minutes=-60 * MINUTES_PER_DAY,
        via_email=True,
        title="年审学时提醒：{证号}",
        body="{姓名}，您好！执法证年审将于{截止时间}进行，您本年度的培训学时尚未达到要求，请尽快补学。{链接}",
    ),
]


def _defaults_for(*, marker: dict[str, object], templates: list[RuleIn], target: dict[str, object]) -> int:
    """Create one target's default rules unless another run marked it first (savepoint on the marker)."""
    try:
        with transaction.atomic():
            DefaultRulesApplied.objects.create(**marker)
            ReminderRule.objects.bulk_create(
                [ReminderRule(is_default=True, **{**_values(template), **target}) for template in templates]
            )
    except IntegrityError:
        return 0
    return len(templates)


def default_rules_ensure(
    *, now: datetime, session: ExamSession | None = None, plan: StudyPlan | None = None
) -> int:
    """Give every session still to come or open (practice excepted) and every plan of this year or later
    its default rules, once, and the bureau-wide credential defaults once; or only ``session`` / ``plan``
    when given. Returns the rules created."""
    created = 0
    if session is None and plan is None and not DefaultRulesApplied.objects.filter(credentials=True).exists():
        created += _defaults_for(marker={"credentials": True}, templates=CREDENTIAL_DEFAULTS, target={})
    sessions = (
        ExamSession.objects.exclude(exam__kind=ExamKind.PRACTICE)
        .filter(closes_at__gt=now)
        .filter(~Exists(DefaultRulesApplied.objects.filter(session=OuterRef("pk"))))
    )
    plans = StudyPlan.objects.filter(year__gte=timezone.localtime(now).year).filter(
        ~Exists(DefaultRulesApplied.objects.filter(plan=OuterRef("pk")))
    )
    if session is not None or plan is not None:
        sessions = sessions.filter(pk=session.pk) if session is not None else sessions.none()
        plans = plans.filter(pk=plan.pk) if plan is not None else plans.none()
    for session_id in sessions.values_list("pk", flat=True):
        created += _defaults_for(
            marker={"session_id": session_id}, templates=SESSION_DEFAULTS, target={"session_id": session_id}
        )
    for plan_id in plans.values_list("pk", flat=True):
        created += _defaults_for(
            marker={"plan_id": plan_id}, templates=PLAN_DEFAULTS, target={"plan_id": plan_id}
        )
    return created
