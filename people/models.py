from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_STEP = 8  # digits per level of a department's materialised path


class Department(models.Model):
    """A node of the organisation tree (bureau → division → section).

    ``path`` is a materialised path of zero-padded ids, one ``PATH_STEP``-wide
    segment per level and a ``/`` after each (``00000001/00000004/``), so a
    subtree is one indexed prefix query on SQLite and PostgreSQL alike and
    ordering by path lists the tree depth-first.
    """

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=1, editable=False)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Department) -> bool:
        """True when this department is ``other`` or below it."""
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A staff member (干部职工); the login account is the person."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    employee_no = models.CharField(_("工号"), max_length=32, unique=True, null=True, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    is_enforcement_officer = models.BooleanField(_("执法人员"), default=False)
    leader_of = models.ManyToManyField(
        Department,
        verbose_name=_("分管范围"),
        blank=True,
        related_name="leaders",
        help_text=_("该领导可查看的单位（含下级单位）。"),
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("干部职工")
        verbose_name_plural = _("干部职工")
        ordering = ["employee_no", "id"]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class RosterImport(models.Model):
    """The audit record of one roster import: who, when, which file, and each change."""

    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    filename = models.CharField(_("文件名"), max_length=255)
    created_count = models.PositiveIntegerField(_("新增人数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新人数"), default=0)
    departments_created = models.PositiveIntegerField(_("新增单位数"), default=0)
    changes = models.JSONField(_("变更明细"), default=list, help_text=_("每行的工号及变更前后的值。"))

    class Meta:
        verbose_name = _("花名册导入记录")
        verbose_name_plural = _("花名册导入记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class LoginLock(AccessAttempt):
    """django-axes' record of an account's failed logins, as the admin shows it (in Chinese)."""

    class Meta:
        proxy = True
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
