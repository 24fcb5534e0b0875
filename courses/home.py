"""The home page's "my tasks": the required courses of this year's plan not yet completed."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.home import HomeTask

from .selectors import personal_plan


def plan_tasks(user: Any) -> list[HomeTask]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    plan = personal_plan(person=user, year=today.year, today=today)
    return [
        HomeTask(
            title=_("学习《%(title)s》") % {"title": item.course.title},
            detail=_("年度学法计划必修课程，已学完 %(done)s/%(total)s 章")
            % {"done": item.progress.lessons_completed, "total": item.progress.lessons_total},
            url=reverse("courses:course_detail", args=[item.course.pk]),
            due=(
                _("应于 %(date)s 前完成，已逾期 %(days)s 天，请尽快学完")
                % {"date": date_format(item.due_on, "Y-m-d"), "days": (today - item.due_on).days}
                if item.overdue
                else _("%(date)s 前完成") % {"date": date_format(item.due_on, "Y-m-d")}
            ),
            urgent=item.overdue,
            state=_("已逾期") if item.overdue else "",
        )
        for item in plan.unfinished_required
    ]
