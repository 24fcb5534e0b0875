"""The home page's "my tasks" from the exam engine: open sessions I have not passed (with an attempt
left or one in progress) and practice attempts I can go on with."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.home import HomeTask

from . import selectors

# A session closing within this long is shown as urgent.
URGENT_HOURS = 72


def exam_tasks(user: Any) -> list[HomeTask]:
    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    tasks: list[HomeTask] = []
    for row in selectors.sessions_to_take(user=user, now=now):
        session, status = row.session, row.my_status
        due = _("%(time)s 截止") % {"time": date_format(timezone.localtime(session.closes_at), "Y-m-d H:i")}
        if status.in_progress_attempt is not None:
            tasks.append(
                HomeTask(
                    title=_("继续答题：%(title)s") % {"title": session.title},
                    detail=_("答卷正在进行，请在考试时间内交卷"),
                    url=reverse("exams:attempt", args=[status.in_progress_attempt]),
                    due=due,
                    urgent=True,
                )
            )
            continue
        closing_soon = (session.closes_at - now).total_seconds() < URGENT_HOURS * 3600
        if status.attempts_used:
            # Every attempt so far was submitted without a pass (a passed session is not a task).
            tasks.append(
                HomeTask(
                    title=_("再次参加考试：%(title)s") % {"title": session.title},
                    detail=_("上次最高 %(score)s 分，及格线 %(pass)s 分；先复习错题本，还剩 %(n)s 次作答机会")
                    % {
                        "score": floatformat(status.best_score or 0, -1),
                        "pass": floatformat(session.exam.pass_score, -1),
                        "n": status.attempts_left,
                    },
                    url=reverse("exams:my_exams") + f"#session-{session.pk}",
                    due=due,
                    urgent=True,
                    state=_("未通过"),
                )
            )
            continue
        tasks.append(
            HomeTask(
                title=_("参加考试：%(title)s") % {"title": session.title},
                detail=_("尚未参加，共 %(n)s 次作答机会") % {"n": status.attempts_left},
                url=reverse("exams:my_exams") + f"#session-{session.pk}",
                due=due,
                urgent=closing_soon,
            )
        )
    for attempt in selectors.practice_attempts_in_progress(user=user, now=now):
        tasks.append(
            HomeTask(
                title=_("继续练习：%(title)s") % {"title": attempt.title},
                detail=_("练习正在进行"),
                url=reverse("exams:attempt", args=[attempt.id]),
            )
        )
    return tasks
