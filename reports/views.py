"""The leader dashboard and its pages, included at /reports/ (app_name "reports"). Thin: every figure
comes from ``reports.selectors``, every write from ``reports.services``; the files are the API's
exports (``/api/v1/reports/...?format=xlsx|docx``), so a page and its download never differ.

- ``/reports/``: participation, study and credentials by department, drilled down one level at a time
  (``?department=``), with charts; the participation line refreshes in place while a session is open;
- ``/reports/live/``: that refreshing part (htmx);
- ``/reports/people/``: the named people behind a figure, with the .xlsx and the nudge link (the
  reminders' nudge page for the session, the plan, or the credential list — ``?credentials=<list>``,
  the people in the caller's scope at risk for that list's reason; each listed credential links to
  its page too, where an administrator acts on it);
- ``/reports/annual/``: the year's figures, their sentences, the published snapshot and a recount
  beside it, and (administrators) publishing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from exams.models import ExamKind
from people.models import Department
from people.scope import ancestor_paths, is_exam_admin

from . import selectors, services
from .selectors.common import ReportScope

# How often an open session's participation refreshes in place.
LIVE_REFRESH_SECONDS = 30
# The reminders app publishes its nudge page under this URL name; the link appears once it exists.
NUDGE_URL_NAME = "reminders:nudge"


def reports_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Leaders and administrators: the login page for strangers, 403 for everyone else."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.may_read_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _cohort(request: HttpRequest, scope: ReportScope) -> selectors.ExamCohort:
    params = request.GET
    try:
        if params.get("session"):
            return selectors.cohort_for(session=params["session"], scope=scope)
        return selectors.cohort_for(
            year=params.get("year") or timezone.localdate().year,
            kind=params.get("kind") or ExamKind.ANNUAL,
            scope=scope,
        )
    except DomainError as exc:
        raise Http404(exc.message) from exc


def _focus(scope: ReportScope, request: HttpRequest) -> Department | None:
    try:
        return selectors.department_in_scope(scope=scope, department_id=_int(request.GET.get("department")))
    except DomainError as exc:
        raise Http404(exc.message) from exc


def _breadcrumb(scope: ReportScope, focus: Department | None) -> list[Department]:
    if focus is None:
        return []
    paths = [path for path in ancestor_paths(focus.path) if scope.covers(path)]
    return list(Department.objects.filter(path__in=paths).order_by("path"))


def nudge_url(query: dict[str, Any]) -> str | None:
    """The reminders' nudge page for these people, when the platform has one."""
    try:
        return reverse(NUDGE_URL_NAME) + "?" + urlencode(query)
    except NoReverseMatch:
        return None


def _participation_nudge(cohort: selectors.ExamCohort) -> str | None:
    """Nudge the people of a session who still have to sit it: the session asked for, or the latest
    open session of a year's cohort (none once every session has closed)."""
    now = timezone.now()
    open_sessions = [session for session in cohort.sessions if session.opens_at <= now < session.closes_at]
    if not open_sessions:
        return None
    return nudge_url({"session": open_sessions[-1].pk})


def _study_nudge(year: int, focus: Department | None) -> str | None:
    plan = selectors.plan_for(year=year, department=focus)
    return nudge_url({"plan": plan.pk}) if plan is not None else None


def _query(cohort: selectors.ExamCohort, **extra: Any) -> str:
    return urlencode({**cohort.query, **{k: v for k, v in extra.items() if v not in (None, "")}})


def _chart_rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": row.department.name,
            "participation_rate": round(row.figures.participation_rate * 100, 1),
            "pass_rate": round(row.figures.pass_rate * 100, 1),
        }
        for row in rows
    ]


def _live_context(
    request: HttpRequest, scope: ReportScope, cohort: Any, focus: Department | None
) -> dict[str, Any]:
    now = timezone.now()
    points = selectors.participation_timeline(scope=scope, cohort=cohort, now=now, department=focus)
    report = selectors.participation_report(scope=scope, cohort=cohort)
    focus_row = report.row(focus.pk) if focus is not None else None
    figures = focus_row.figures if focus_row is not None else report.totals
    return {
        "cohort": cohort,
        "figures": figures,
        "live": cohort.is_open(now),
        "now": now,
        "refresh_seconds": LIVE_REFRESH_SECONDS,
        "live_url": reverse("reports:live") + "?" + _query(cohort, department=focus.pk if focus else None),
        "timeline": {
            "labels": [timezone.localtime(point.at).strftime("%m-%d %H:%M") for point in points],
            "values": [point.participated for point in points],
            "eligible": figures.eligible,
        },
        "report": report,
    }


@require_GET
@reports_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    cohort = _cohort(request, scope)
    focus = _focus(scope, request)
    context = _live_context(request, scope, cohort, focus)
    report = context["report"]
    children = report.children_of(focus.pk if focus else None)
    study_year = _int(request.GET.get("study_year")) or (cohort.year or cohort.sessions[0].opens_at.year)
    study = selectors.study_report(scope=scope, year=study_year)
    study_children = study.children_of(focus.pk if focus else None)
    study_focus = next(
        (row.figures for row in study.departments if focus and row.department.id == focus.pk), None
    )
    trend = selectors.year_on_year(scope=scope)
    focus_id = focus.pk if focus else None
    credentials = selectors.credential_report(scope=scope, today=timezone.localdate())
    credential_children = credentials.children_of(focus_id)
    credential_focus = credentials.row(focus_id) if focus_id else None
    context.update(
        {
            "scope": scope,
            "focus": focus,
            "breadcrumb": _breadcrumb(scope, focus),
            "children": children,
            "sessions": selectors.cohorts_available(scope=scope),
            "years": sorted({*selectors.years_with_sessions(), timezone.localdate().year}, reverse=True),
            "study": study,
            "study_year": study_year,
            "study_children": study_children,
            "study_figures": study_focus or study.totals,
            "cohort_query": _query(cohort),
            "focus_query": _query(cohort, department=focus_id),
            "study_query": urlencode({"year": study_year, **({"department": focus_id} if focus_id else {})}),
            "credentials": credentials,
            "credential_children": credential_children,
            "credential_figures": credential_focus.figures if credential_focus else credentials.totals,
            "credential_query": urlencode({"department": focus_id} if focus_id else {}),
            "chart": {
                "rates": _chart_rows(children),
                "hours": [
                    {
                        "name": row.department.name,
                        "hours_mean": float(row.figures.hours_mean),
                        "required_mean": float(row.figures.required_mean),
                    }
                    for row in study_children
                ],
                "credentials": [
                    {
                        "name": row.department.name,
                        "valid": row.figures.valid,
                        "expiring": row.figures.expiring,
                        "suspended": row.figures.suspended,
                        "review_failed": row.figures.review_failed,
                        "officers_not_enforcing": row.figures.officers_not_enforcing,
                    }
                    for row in credential_children
                ],
                "trend": [
                    {
                        "year": item.year,
                        "participation_rate": round(item.figures.participation_rate * 100, 1),
                        "pass_rate": round(item.figures.pass_rate * 100, 1),
                        "hours_mean": float(item.hours_mean),
                    }
                    for item in trend
                ],
            },
            "is_admin": is_exam_admin(request.user),
        }
    )
    return render(request, "reports/dashboard.html", context)


@require_GET
@reports_required
def live(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    cohort = _cohort(request, scope)
    focus = _focus(scope, request)
    return render(request, "reports/_live.html", _live_context(request, scope, cohort, focus))


PARTICIPATION_TITLES = {
    "not_participated": gettext_noop("未参考人员"),
    "failed": gettext_noop("未合格人员"),
    "passed": gettext_noop("合格人员"),
    "participated": gettext_noop("参考人员"),
    "eligible": gettext_noop("应考人员"),
}
CREDENTIAL_TITLES = {
    "at_risk": gettext_noop("执法资格有风险人员"),
    "expiring": gettext_noop("执法证即将到期人员"),
    "suspended": gettext_noop("执法证被暂扣人员"),
    "review_failed": gettext_noop("年审不合格人员"),
    "not_enforcing": gettext_noop("不得执法的执法人员"),
}
STUDY_TITLES = {
    "behind_on_hours": gettext_noop("学时未达标人员"),
    "courses_unfinished": gettext_noop("必修课程未学完人员"),
}


@require_GET
@reports_required
def people(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    focus = _focus(scope, request)
    which = request.GET.get("list", "not_participated")
    focus_id = focus.pk if focus else None
    context: dict[str, Any] = {"focus": focus, "which": which, "breadcrumb": _breadcrumb(scope, focus)}
    try:
        if which in CREDENTIAL_TITLES:
            today = timezone.localdate()
            rows: list[Any] = list(
                selectors.credential_people(scope=scope, today=today, which=which, department=focus)
            )
            for person in rows:
                person.risks = _("、").join(selectors.risks_of(person))
                person.credential_status_label = selectors.status_label(person.credential_status)
            query = urlencode({"list": which, **({"department": focus_id} if focus_id else {})})
            context.update(
                kind="credentials",
                title=_(CREDENTIAL_TITLES[which]),
                subtitle=_("截至 %(today)s，即将到期指 %(days)s 天内到期")
                % {"today": today.isoformat(), "days": selectors.EXPIRY_DAYS},
                rows=rows,
                export_url=reverse("report-credentials-people") + "?" + query + "&format=xlsx",
                back_url=reverse("reports:dashboard")
                + ("?" + urlencode({"department": focus_id}) if focus_id else ""),
                nudge=nudge_url({"credentials": which}),
            )
        elif which in STUDY_TITLES:
            year = _int(request.GET.get("year")) or timezone.localdate().year
            rows = list(selectors.study_people(scope=scope, year=year, which=which, department=focus))
            query = urlencode({"year": year, "list": which, **({"department": focus_id} if focus_id else {})})
            context.update(
                kind="study",
                title=_(STUDY_TITLES[which]),
                subtitle=_("%(year)s年度学法计划") % {"year": year},
                rows=rows,
                export_url=reverse("report-study-people") + "?" + query + "&format=xlsx",
                back_url=reverse("reports:dashboard")
                + "?"
                + urlencode({"study_year": year, **({"department": focus_id} if focus_id else {})}),
                nudge=_study_nudge(year, focus),
            )
        else:
            cohort = _cohort(request, scope)
            rows = list(
                selectors.participation_people(scope=scope, cohort=cohort, which=which, department=focus)
            )
            query = _query(cohort, department=focus_id, list=which)
            context.update(
                kind="participation",
                title=_(PARTICIPATION_TITLES.get(which, "")),
                subtitle=cohort.title,
                rows=rows,
                export_url=reverse("report-participation-people") + "?" + query + "&format=xlsx",
                back_url=reverse("reports:dashboard") + "?" + _query(cohort, department=focus_id),
                nudge=_participation_nudge(cohort) if which in ("not_participated", "failed") else None,
            )
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return render(request, "reports/people.html", context)


@require_GET
@reports_required
def annual(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    year = _int(request.GET.get("year")) or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Http404
    figures = selectors.annual_figures(scope=scope, year=year, today=timezone.localdate())
    snapshot = selectors.published_figures(year=year) if scope.is_everything else None
    context = {
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
        "figures": figures,
        "sentences": selectors.annual_sentences(figures),
        "snapshot": snapshot,
        "snapshot_sentences": selectors.annual_sentences(snapshot.figures) if snapshot else [],
        "rows": selectors.figure_rows(snapshot.figures, against=figures)
        if snapshot
        else selectors.figure_rows(figures),
        "is_admin": is_exam_admin(request.user),
        "export_query": urlencode({"year": year}),
    }
    return render(request, "reports/annual.html", context)


@require_POST
@reports_required
def annual_publish(request: HttpRequest) -> HttpResponse:
    year = _int(request.POST.get("year")) or 0
    try:
        services.annual_figures_publish(year=year, actor=request.user, now=timezone.now())
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已发布 %(year)s 年度学法统计。") % {"year": year})
    return HttpResponseRedirect(reverse("reports:annual") + "?" + urlencode({"year": year}))
