"""Reminder rules, the occasions they fire on, one delivery row per person and channel, the in-app inbox.

How a reminder travels (``reminders/services/delivery.py`` holds the contract):

- a :class:`ReminderRule` says *when* (relative to its target's own dates, or at a fixed time),
  *to whom* (the target's audience, narrowed by departments and enforcement officers) and *how*
  (the channels), with a Chinese message template;
- when its moment comes, the beat sweep records an :class:`Occasion` (unique per rule and key, so a
  second sweep finds it already there) and cuts its recipients into :class:`FanOutBatch` ranges of
  person ids;
- each batch inserts one :class:`Delivery` per (occasion, person, channel) — unique, so a batch run
  twice inserts nothing new — and the send tasks turn pending rows into an inbox
  :class:`Notification`, an e-mail or a group-robot post, marking each row sent with its time.

Nothing here is deleted by the delivery path; the rows are the record an administrator reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    SESSION = "session", _("考试场次")
    PLAN = "plan", _("年度学法计划")
    CREDENTIAL = "credential", _("执法资格")
    ACTIVITY = "activity", _("学法活动")


class Event(models.TextChoices):
    """What a rule waits for; each belongs to one target (``EVENT_TARGET``)."""

    SESSION_OPENS = "session_opens", _("考试开始前后")
    SESSION_CLOSES = "session_closes", _("考试截止前（未交卷者）")
    SESSION_FAILED = "session_failed", _("未及格后（仍可补考者）")
    PLAN_BEHIND = "plan_behind", _("学习进度落后（未学完必修课程或学时不足）")
    CREDENTIAL_EXPIRING = "credential_expiring", _("执法证即将到期")
    CREDENTIAL_HOURS_SHORT = "credential_hours_short", _("年度培训学时不足")
    ACTIVITY_DAY_BEFORE = "activity_day_before", _("学法活动前（已确定的参加人员）")
    # A nudge's only (no rule waits for it: it is in no target's events): the people whose credential
    # is at risk, for the reason in the occasion's ``key`` (``credentials.selectors.risk_q``).
    CREDENTIALS_AT_RISK = "credentials_at_risk", _("执法资格存在风险（催办）")


EVENT_TARGET: dict[str, str] = {
    Event.SESSION_OPENS: Target.SESSION,
    Event.SESSION_CLOSES: Target.SESSION,
    Event.SESSION_FAILED: Target.SESSION,
    Event.PLAN_BEHIND: Target.PLAN,
    Event.CREDENTIAL_EXPIRING: Target.CREDENTIAL,
    Event.CREDENTIAL_HOURS_SHORT: Target.CREDENTIAL,
    Event.ACTIVITY_DAY_BEFORE: Target.ACTIVITY,
}


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class ReminderRule(models.Model):
    """When, to whom and how one reminder goes out. ``offset_minutes`` counts from the target's own
    date (negative: before it), so moving a session moves its reminders; ``fixed_at`` overrides it."""

    target = models.CharField(_("提醒对象"), max_length=20, choices=Target.choices)
    event = models.CharField(_("提醒时机"), max_length=40, choices=Event.choices)
    session = models.ForeignKey(
        "exams.ExamSession",
        verbose_name=_("考试场次"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    plan = models.ForeignKey(
        "courses.StudyPlan",
        verbose_name=_("年度学法计划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    activity = models.ForeignKey(
        "courses.StudyActivity",
        verbose_name=_("学法活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    offset_minutes = models.IntegerField(
        _("相对时间（分钟）"), default=0, help_text=_("相对于对象自身时间点，负数表示之前。")
    )
    fixed_at = models.DateTimeField(_("固定时间"), null=True, blank=True)
    departments = models.ManyToManyField(
        "people.Department",
        verbose_name=_("限定单位"),
        blank=True,
        related_name="+",
        help_text=_("不选表示对象的全部人员；选中的单位含其下级单位。"),
    )
    enforcement_officers_only = models.BooleanField(_("仅限执法人员"), default=False)
    via_inbox = models.BooleanField(_("站内消息"), default=True)
    via_email = models.BooleanField(_("电子邮件"), default=False)
    via_webhook = models.BooleanField(_("群机器人"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文模板"))
    is_active = models.BooleanField(_("启用"), default=True)
    is_default = models.BooleanField(_("默认规则"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒规则")
        verbose_name_plural = _("提醒规则")
        ordering = ["target", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="session", session__isnull=False, plan__isnull=True, activity__isnull=True)
                    | Q(target="plan", plan__isnull=False, session__isnull=True, activity__isnull=True)
                    | Q(target="activity", activity__isnull=False, session__isnull=True, plan__isnull=True)
                    | Q(target="credential", session__isnull=True, plan__isnull=True, activity__isnull=True)
                ),
                name="reminder_rule_one_target",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "event"], name="reminder_rule_active")]

    def __str__(self) -> str:
        return self.title

    @property
    def channels(self) -> list[str]:
        return [
            channel
            for channel, on in (
                (Channel.INBOX, self.via_inbox),
                (Channel.EMAIL, self.via_email),
                (Channel.WEBHOOK, self.via_webhook),
            )
            if on
        ]


class DefaultRulesApplied(models.Model):
    """Marks a session or plan whose default rules were created, so that deleting one keeps it deleted;
    the one row with ``credentials`` set marks the bureau-wide credential defaults."""

    session = models.OneToOneField(
        "exams.ExamSession", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.OneToOneField(
        "courses.StudyPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    credentials = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("默认提醒已创建")
        verbose_name_plural = _("默认提醒已创建")
        constraints = [
            models.UniqueConstraint(
                fields=["credentials"], condition=Q(credentials=True), name="default_rules_credentials_once"
            ),
        ]

    def __str__(self) -> str:
        if self.credentials:
            return "credentials"
        return f"session {self.session_id}" if self.session_id else f"plan {self.plan_id}"


class Occasion(models.Model):
    """One firing of a rule (or one nudge): a snapshot of what to say, to whom, through which channels.

    ``key`` tells apart the occasions of one rule (``""`` for a rule that fires once per target; an
    attempt or credential for rules that fire per person); (rule, key) is unique.
    """

    rule = models.ForeignKey(
        ReminderRule,
        verbose_name=_("提醒规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occasions",
    )
    key = models.CharField(_("场合"), max_length=64, blank=True, default="")
    event = models.CharField(_("提醒时机"), max_length=40, choices=Event.choices)
    session = models.ForeignKey(
        "exams.ExamSession", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        "courses.StudyPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.StudyActivity", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("对象人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("只提醒这一人（未及格补考、证件到期）。"),
    )
    subject_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    audience_paths = models.JSONField(_("限定单位路径"), default=list)
    enforcement_officers_only = models.BooleanField(_("仅限执法人员"), default=False)
    scope_paths = models.JSONField(
        _("催办范围"), null=True, blank=True, help_text=_("催办人分管的单位路径；空表示不限。")
    )
    channels = models.JSONField(_("渠道"), default=list)
    title = models.CharField(_("标题模板"), max_length=200)
    body = models.TextField(_("正文模板"))
    due_at = models.DateTimeField(_("提醒时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("催办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    planned_at = models.DateTimeField(_("分批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒场合")
        verbose_name_plural = _("提醒场合")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"], condition=Q(rule__isnull=False), name="occasion_once_per_rule_key"
            ),
        ]
        indexes = [
            models.Index(fields=["planned_at"], name="occasion_unplanned"),
            models.Index(fields=["actor", "created_at"], name="occasion_nudges"),
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.due_at:%Y-%m-%d %H:%M}"


class FanOutBatch(models.Model):
    """A range of person ids of one occasion, fanned out by one task; ``done_at`` once its rows exist."""

    occasion = models.ForeignKey(Occasion, on_delete=models.CASCADE, related_name="batches")
    first_person_id = models.BigIntegerField()
    last_person_id = models.BigIntegerField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("分批")
        verbose_name_plural = _("分批")
        constraints = [
            models.UniqueConstraint(fields=["occasion", "first_person_id"], name="fan_out_batch_unique"),
        ]
        indexes = [models.Index(fields=["done_at", "enqueued_at"], name="fan_out_batch_pending")]

    def __str__(self) -> str:
        return f"{self.occasion_id}: {self.first_person_id}–{self.last_person_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("无需发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One reminder to one person through one channel; unique per (occasion, person, channel)."""

    occasion = models.ForeignKey(
        Occasion, verbose_name=_("提醒场合"), on_delete=models.CASCADE, related_name="deliveries"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(_("创建时间"))
    next_try_at = models.DateTimeField(_("下次发送时间"))
    tries = models.PositiveSmallIntegerField(_("失败次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "person", "channel"], name="delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "channel", "next_try_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.occasion_id} · {self.person_id} · {self.channel}"


class Notification(models.Model):
    """An in-app inbox message; ``delivery`` (unique) makes an inbox send idempotent."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class WebhookPost(models.Model):
    """One post to the group robot: the rate limit counts these, and failures show here."""

    occasion = models.ForeignKey(Occasion, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("时间"), db_index=True)
    recipients = models.PositiveIntegerField(_("人数"), default=0)
    ok = models.BooleanField(_("成功"), default=False)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.error[:40]}"
