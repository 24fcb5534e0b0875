"""The reports' one table: published snapshots of the year's figures.

Every other figure is counted live from the other apps' tables (``reports.selectors``). A snapshot
stores the figures exactly as they were counted when an administrator published them, so later
roster, score or ledger changes never alter what was published; a later recount is shown beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualFiguresSnapshot(models.Model):
    """年度学法统计（已发布）: the year's figures as published, when and by whom."""

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_by_name = models.CharField(_("发布人姓名"), max_length=150)
    figures = models.JSONField(_("统计数据"))

    class Meta:
        verbose_name = _("年度学法统计（已发布）")
        verbose_name_plural = _("年度学法统计（已发布）")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} · {self.published_at:%Y-%m-%d %H:%M} · {self.published_by_name}"
