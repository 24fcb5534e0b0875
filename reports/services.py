"""Every write of the reports. Import from here: ``from reports import services``.

annual_figures_publish(*, year, actor, now) -> AnnualFiguresSnapshot
    Counts the year's figures over the whole bureau and stores them as a dated snapshot with who
    published it; audited (django-auditlog, with the actor). Administrators only
    (``PublishNotPermitted``, nothing stored); a year outside 2000–2100 is ``InvalidReportQuery``.
    Publishing again stores a new snapshot; earlier ones stay as they were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.scope import is_exam_admin

from .errors import InvalidReportQuery, PublishNotPermitted
from .models import AnnualFiguresSnapshot
from .selectors import annual_figures
from .selectors.common import ReportScope


@transaction.atomic
def annual_figures_publish(*, year: int, actor: Any, now: datetime) -> AnnualFiguresSnapshot:
    if not is_exam_admin(actor):
        raise PublishNotPermitted(_("只有管理员可以发布年度学法统计。"))
    if not 2000 <= year <= 2100:
        raise InvalidReportQuery(_("year 须在 2000 至 2100 之间。"), field="year")
    figures = annual_figures(scope=ReportScope(paths=None), year=year, today=timezone.localdate(now))
    snapshot = AnnualFiguresSnapshot.objects.create(
        year=year,
        published_at=now,
        published_by=actor,
        published_by_name=actor.display_name,
        figures=figures,
    )
    LogEntry.objects.log_create(
        snapshot,
        action=LogEntry.Action.CREATE,
        changes={"year": [None, str(year)], "published_at": [None, now.isoformat()]},
        actor=actor,
        additional_data={"figures": figures},
    )
    return snapshot
