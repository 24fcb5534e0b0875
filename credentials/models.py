"""Enforcement credentials (执法资格): their tables. Rules live in ``services/`` and ``selectors.py``.

A credential is granted for one passed attempt of a qualification exam; the unique
``attempt`` column is what makes a grant idempotent (two grants of one attempt at once:
one row, the other insert fails and reads it). ``number`` (``JZ2026-00017``) is drawn from
``CredentialCounter``, one row per year whose ``last`` only grows, so a number is never
given twice. ``token`` is the unguessable key of the public verification page.

Status moves only through ``credentials.services.lifecycle``:

    valid ──suspend──▶ suspended ──restore──▶ valid
    valid | suspended ──revoke──▶ revoked (final)
    valid ──(daily task, or superseded by a renewal)──▶ expired

Two more facts stand beside the status, because they are decided by others than the
lifecycle: ``review_standing`` (the annual review: ``failed`` until an administrator
records that it was made good) and ``flagged_at`` (a regrade turned the backing attempt
into a fail; an administrator must decide). Whether a person may enforce is decided in one
place, ``credentials.selectors.may_enforce_q``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exams.models import Attempt, ExamSession
from people.models import Department


class CredentialStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("吊销")
    EXPIRED = "expired", _("过期")


class ReviewStanding(models.TextChoices):
    GOOD = "good", _("年审合格")
    FAILED = "failed", _("年审不合格")


class Credential(models.Model):
    """One enforcement credential (执法证), granted for one passed qualification attempt."""

    number = models.CharField(_("证号"), max_length=32, unique=True)
    token = models.CharField(_("核验码"), max_length=64, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    attempt = models.OneToOneField(
        Attempt, verbose_name=_("合格答卷"), on_delete=models.PROTECT, related_name="credential"
    )
    session = models.ForeignKey(
        ExamSession, verbose_name=_("考试场次"), on_delete=models.PROTECT, related_name="credentials"
    )
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    law_areas = models.JSONField(_("执法领域"), default=list, help_text=_("资格考试组卷规则所含的法律领域。"))
    status = models.CharField(
        _("状态"), max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.VALID
    )
    review_standing = models.CharField(
        _("年审"), max_length=20, choices=ReviewStanding.choices, default=ReviewStanding.GOOD
    )
    flagged_at = models.DateTimeField(
        _("待处理时间"),
        null=True,
        blank=True,
        help_text=_("重新评分后合格答卷变为不合格，等待管理员决定。"),
    )
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("换发为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    granted_at = models.DateTimeField(_("授予时间"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("执法资格")
        verbose_name_plural = _("执法资格")
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["holder", "status"], name="credential_holder_status"),
            models.Index(fields=["status", "valid_until"], name="credential_status_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_until")), name="credential_validity_order"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CredentialCounter(models.Model):
    """The last sequence number given in a year: locked and raised by each grant, never lowered."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("证号序列")
        verbose_name_plural = _("证号序列")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CredentialAction(models.TextChoices):
    GRANT = "grant", _("授予")
    SUSPEND = "suspend", _("暂扣")
    RESTORE = "restore", _("恢复")
    REVOKE = "revoke", _("吊销")
    EXPIRE = "expire", _("到期")
    SUPERSEDE = "supersede", _("换发")
    FLAG = "flag", _("重新评分不合格")
    UNFLAG = "unflag", _("重新评分恢复合格")
    REVIEW_FAIL = "review_fail", _("年审不合格")
    REVIEW_MADE_GOOD = "review_made_good", _("年审补正")


class CredentialEvent(models.Model):
    """The audit trail of one credential: who did what, when, why, and the state before and after."""

    credential = models.ForeignKey(
        Credential, verbose_name=_("执法资格"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=CredentialAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"), blank=True)
    before = models.JSONField(_("操作前"), default=dict)
    after = models.JSONField(_("操作后"), default=dict)

    class Meta:
        verbose_name = _("执法资格记录")
        verbose_name_plural = _("执法资格记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.action}"


class ReviewHours(models.Model):
    """The training hours a bureau (a top-level department) requires each year for the annual review."""

    bureau = models.OneToOneField(
        Department,
        verbose_name=_("局（一级单位）"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
    )
    required_hours = models.DecimalField(_("年审所需学时"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("年审学时要求")
        verbose_name_plural = _("年审学时要求")

    def __str__(self) -> str:
        return f"{self.bureau}: {self.required_hours}"


class AnnualReview(models.Model):
    """One year's annual review (年审), run on the date the administrator set."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    review_on = models.DateField(_("年审日期"))
    ran_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年审")
        verbose_name_plural = _("年审")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ReviewResult(models.Model):
    """One credential's result in one annual review: the hours required and earned, and any making good."""

    review = models.ForeignKey(
        AnnualReview, verbose_name=_("年审"), on_delete=models.CASCADE, related_name="results"
    )
    credential = models.ForeignKey(
        Credential, verbose_name=_("执法资格"), on_delete=models.CASCADE, related_name="review_results"
    )
    required_hours = models.DecimalField(_("所需学时"), max_digits=6, decimal_places=1)
    earned_hours = models.DecimalField(_("已获学时"), max_digits=7, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    made_good_at = models.DateTimeField(_("补正时间"), null=True, blank=True)
    made_good_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("补正登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    made_good_reason = models.TextField(_("补正说明"), blank=True)

    class Meta:
        verbose_name = _("年审结果")
        verbose_name_plural = _("年审结果")
        ordering = ["review", "credential"]
        constraints = [
            models.UniqueConstraint(fields=["review", "credential"], name="review_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.credential_id}"
