"""The year's figures (年度学法统计) in the terms of the bureau's annual rule-of-law work summary, and the
sentences that carry them into it.

Figures (plain JSON, the shape a published snapshot stores):

- ``pre_meeting``: 会前学法 held in the year (``held``) and the months that ended without one
  (``months_without``, by ``courses.selectors.pre_meeting_check``: the bureau's own rule, bureau-wide);
- ``lectures``: 法治讲堂 held, attendance (person-times) and distinct attendees in scope;
- ``outreach``: 普法活动 held and the people they reached (the recorded ``people_reached``);
- ``annual_exam``: the year's annual sessions as ``participation_report`` counts them (each person
  once, best attempt): eligible, participated (参加), passed, pass rate;
- ``qualification_exam``: the year's qualification sessions: candidates (those who sat), passes;
- ``credentials``: credentials granted, suspended and revoked in the year, from the credentials' own
  audit trail (``CredentialEvent``): each credential once per action, whoever holds it now, active
  or not (what happened in the year stays counted), for holders whose department is in scope;
- ``hours``: study hours per person over the active people in scope: mean, median, and how many of
  the people a plan applies to are below their requirement.

Activities held are facts about the bureau, counted whoever asks; every figure about people counts
only people in the asker's scope. A constant number of statements (about a dozen).
"""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.models import ActivityAttendance, ActivityKind, StudyActivity, StudyHoursEntry
from courses.selectors import pre_meeting_check
from credentials.models import CredentialAction, CredentialEvent
from exams.models import ExamKind

from ..models import AnnualFiguresSnapshot
from .common import ReportScope, active_people, percent
from .participation import cohort_for, participation_report
from .study import study_report

# 1: credentials not counted (None); 2: credentials counted.
FIGURES_VERSION = 2


def annual_figures(*, scope: ReportScope, year: int, today: date) -> dict[str, Any]:
    """The year's figures for ``scope`` as plain JSON (see the module docstring)."""
    activities = StudyActivity.objects.filter(held_on__year=year)
    held = dict(activities.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    reached = activities.filter(kind=ActivityKind.OUTREACH).aggregate(n=Sum("people_reached"))["n"] or 0
    lecture_attendance = ActivityAttendance.objects.filter(
        scope.people_q("person__department__path"),
        activity__kind=ActivityKind.LECTURE,
        activity__held_on__year=year,
    ).aggregate(times=Count("pk"), people=Count("person", distinct=True))
    months = pre_meeting_check(year=year, today=today)

    annual = participation_report(scope=scope, cohort=cohort_for(year=year, kind=ExamKind.ANNUAL)).totals
    qualification = participation_report(
        scope=scope, cohort=cohort_for(year=year, kind=ExamKind.QUALIFICATION)
    ).totals

    people = active_people(scope)
    totals = dict(
        StudyHoursEntry.objects.filter(year=year, person__in=people.values("pk"))
        .order_by()
        .values("person")
        .annotate(total=Sum("hours"))
        .values_list("person", "total")
    )
    population = people.count()
    hours = [Decimal(value) for value in totals.values()] + [Decimal(0)] * (population - len(totals))
    study = study_report(scope=scope, year=year).totals

    figures: dict[str, Any] = {
        "version": FIGURES_VERSION,
        "year": year,
        "pre_meeting": {
            "held": held.get(ActivityKind.PRE_MEETING, 0),
            "months_without": [month.month for month in months if month.state == "missing"],
        },
        "lectures": {
            "held": held.get(ActivityKind.LECTURE, 0),
            "attendance": lecture_attendance["times"],
            "attendees": lecture_attendance["people"],
        },
        "outreach": {"held": held.get(ActivityKind.OUTREACH, 0), "people_reached": reached},
        "annual_exam": {
            "eligible": annual.eligible,
            "participated": annual.participated,
            "passed": annual.passed,
            "pass_rate": annual.pass_rate,
        },
        "qualification_exam": {"candidates": qualification.participated, "passed": qualification.passed},
        "hours": {
            "people": population,
            "mean": str(_quantize(sum(hours, Decimal(0)) / population) if population else Decimal("0.0")),
            "median": str(_quantize(Decimal(statistics.median(hours))) if hours else Decimal("0.0")),
            "plan_people": study.people,
            "below_requirement": study.behind_on_hours,
        },
    }
    figures["credentials"] = credential_counts(scope=scope, year=year)
    return figures


def credential_counts(*, scope: ReportScope, year: int) -> dict[str, int]:
    """Credentials granted, suspended and revoked in ``year`` (local time), each credential counted
    once per action, of holders in ``scope``: one statement."""
    events = CredentialEvent.objects.filter(
        scope.people_q("credential__holder__department__path"), at__year=year
    )
    return events.aggregate(
        granted=Count("credential", distinct=True, filter=Q(action=CredentialAction.GRANT)),
        suspended=Count("credential", distinct=True, filter=Q(action=CredentialAction.SUSPEND)),
        revoked=Count("credential", distinct=True, filter=Q(action=CredentialAction.REVOKE)),
    )


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


# Figures a published snapshot is compared on, as (section, key, label).
COMPARED = [
    ("pre_meeting", "held", gettext_noop("会前学法（次）")),
    ("lectures", "held", gettext_noop("法治讲堂（次）")),
    ("lectures", "attendance", gettext_noop("法治讲堂参加（人次）")),
    ("outreach", "held", gettext_noop("普法活动（次）")),
    ("outreach", "people_reached", gettext_noop("普法活动覆盖（人）")),
    ("annual_exam", "eligible", gettext_noop("年度学法考试应考（人）")),
    ("annual_exam", "participated", gettext_noop("年度学法考试参加（人）")),
    ("annual_exam", "passed", gettext_noop("年度学法考试合格（人）")),
    ("annual_exam", "pass_rate", gettext_noop("年度学法考试合格率")),
    ("qualification_exam", "candidates", gettext_noop("执法资格考试参考（人）")),
    ("qualification_exam", "passed", gettext_noop("执法资格考试通过（人）")),
    ("credentials", "granted", gettext_noop("新发执法证（个）")),
    ("credentials", "suspended", gettext_noop("暂扣执法证（个）")),
    ("credentials", "revoked", gettext_noop("吊销执法证（个）")),
    ("hours", "mean", gettext_noop("人均学时")),
    ("hours", "median", gettext_noop("学时中位数")),
    ("hours", "below_requirement", gettext_noop("学时未达标（人）")),
]


def figure_rows(figures: dict[str, Any], *, against: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The figures as labelled rows (for tables and the spreadsheet), each with the value in
    ``against`` and the difference when given (a later recount beside a published snapshot)."""
    rows = []
    for section, key, label in COMPARED:
        value = _value(figures, section, key)
        if value is None and (against is None or _value(against, section, key) is None):
            continue
        row: dict[str, Any] = {"section": section, "key": key, "label": _(label), "value": _shown(key, value)}
        if against is not None:
            other = _value(against, section, key)
            row["recount"] = _shown(key, other)
            row["difference"] = _difference(key, value, other)
        rows.append(row)
    return rows


def _value(figures: dict[str, Any], section: str, key: str) -> Any:
    part = figures.get(section)
    return part.get(key) if isinstance(part, dict) else None


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.endswith("rate"):
        return percent(float(value))
    return str(value)


def _difference(key: str, value: Any, other: Any) -> str:
    if value is None or other is None:
        return ""
    if key.endswith("rate"):
        delta = round((float(other) - float(value)) * 100, 1)
        return "" if delta == 0 else f"{delta:+.1f}%"
    delta_value = Decimal(str(other)) - Decimal(str(value))
    return "" if delta_value == 0 else f"{delta_value:+}"


def annual_sentences(figures: dict[str, Any]) -> list[str]:
    """The figures in the summary's own sentences, ready to paste."""
    year = figures["year"]
    pre = figures["pre_meeting"]
    sentences = []
    if pre["months_without"]:
        months = "、".join(_("%(m)s月") % {"m": month} for month in pre["months_without"])
        sentences.append(
            _("%(year)s年共开展会前学法 %(n)s 次，%(months)s未开展。")
            % {"year": year, "n": pre["held"], "months": months}
        )
    else:
        sentences.append(
            _("%(year)s年共开展会前学法 %(n)s 次，每月均按要求开展。") % {"year": year, "n": pre["held"]}
        )
    lectures = figures["lectures"]
    sentences.append(
        _("举办法治讲堂 %(n)s 期，干部职工参加 %(times)s 人次。")
        % {"n": lectures["held"], "times": lectures["attendance"]}
    )
    outreach = figures["outreach"]
    sentences.append(
        _("开展普法活动 %(n)s 场，覆盖群众 %(reached)s 人。")
        % {"n": outreach["held"], "reached": outreach["people_reached"]}
    )
    exam = figures["annual_exam"]
    sentences.append(
        _("%(n)s 名干部职工参加年度学法考试，合格率 %(rate)s。")
        % {"n": exam["participated"], "rate": percent(float(exam["pass_rate"]))}
    )
    qualification = figures["qualification_exam"]
    sentences.append(
        _("%(n)s 人参加行政执法资格考试，%(passed)s 人通过。")
        % {"n": qualification["candidates"], "passed": qualification["passed"]}
    )
    credentials = figures.get("credentials")
    if credentials:
        sentences.append(
            _("全年新发执法证 %(granted)s 个，暂扣 %(suspended)s 个，吊销 %(revoked)s 个。") % credentials
        )
    hours = figures["hours"]
    sentences.append(
        _("干部职工人均学法 %(mean)s 学时，中位数 %(median)s 学时，%(below)s 人未达到年度学时要求。")
        % {"mean": hours["mean"], "median": hours["median"], "below": hours["below_requirement"]}
    )
    return sentences


def published_figures(*, year: int) -> AnnualFiguresSnapshot | None:
    """The latest published snapshot of ``year``'s figures, with who published it (one query)."""
    return (
        AnnualFiguresSnapshot.objects.filter(year=year)
        .select_related("published_by")
        .order_by("-published_at", "-id")
        .first()
    )
