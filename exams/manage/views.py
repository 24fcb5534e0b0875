"""The workspace pages of the exam engine: sessions (list, schedule with a live preview, close early,
extend), a session's results (filter, .xlsx export) and law areas. Exam administrators only (403 for
everyone else, through ``people.permissions.admin_required``); every write calls ``exams.services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.spreadsheets import download_response
from people.permissions import admin_required

from .. import services
from ..law_areas import law_area_list
from ..models import ExamSession
from . import selectors
from .forms import LawAreaForm, ResultsFilterForm, SessionExtendForm, SessionScheduleForm

RESULT_HEADERS = (
    gettext_lazy("工号"),
    gettext_lazy("姓名"),
    gettext_lazy("单位"),
    gettext_lazy("状态"),
    gettext_lazy("作答次数"),
    gettext_lazy("最高分"),
    gettext_lazy("是否通过"),
    gettext_lazy("用时（分钟）"),
)


def _refuse(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _participation_url(session: ExamSession) -> str | None:
    """The participation report of the session (the reports dashboard for that session). The link is
    by URL name, as nothing imports ``reports``; without the reports app there is no link."""
    try:
        return reverse("reports:dashboard") + f"?session={session.pk}"
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------- sessions


@require_GET
@admin_required
def sessions(request: HttpRequest) -> HttpResponse:
    rows = [(row, _participation_url(row.session)) for row in selectors.session_overview(now=timezone.now())]
    return render(request, "exams/manage/sessions.html", {"rows": rows})


def _preview(form: SessionScheduleForm) -> dict[str, Any]:
    """Who the chosen audience admits and whether the bank can fill the chosen exam, from raw input."""
    data = cast(QueryDict, form.data)
    departments = form.fields["departments"].queryset.filter(  # type: ignore[attr-defined]
        pk__in=[value for value in data.getlist("departments") if str(value).isdigit()]
    )
    preview: dict[str, Any] = {
        "audience": selectors.audience_size(
            departments=departments,
            enforcement_officers_only=data.get("enforcement_officers_only") in {"on", "true"},
        ),
        "exam": None,
        "shortfalls": [],
    }
    exam_id = data.get("exam", "")
    if str(exam_id).isdigit():
        exam = form.fields["exam"].queryset.filter(pk=exam_id).first()  # type: ignore[attr-defined]
        if exam is not None:
            preview["exam"] = exam
            preview["shortfalls"] = services.exam_bank_shortfalls(exam)
    return preview


@require_http_methods(["GET", "POST"])
@admin_required
def session_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SessionScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.session_schedule(
                    exam=data["exam"],
                    title=data["title"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    departments=data["departments"],
                    enforcement_officers_only=data["enforcement_officers_only"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except DomainError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("已安排考试场次“%(title)s”。") % {"title": session.title})
                return redirect("exams_manage:sessions")
        status = 400
    else:
        form = SessionScheduleForm(request.GET or None)
        status = 200
    context = {"form": form, "preview": _preview(form) if form.is_bound else None}
    return render(request, "exams/manage/session_new.html", context, status=status)


@require_GET
@admin_required
def session_preview(request: HttpRequest) -> HttpResponse:
    form = SessionScheduleForm(request.GET)
    return render(request, "exams/manage/_session_preview.html", {"preview": _preview(form)})


@require_POST
@admin_required
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession, pk=pk)
    try:
        services.session_close(session=session, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提前结束“%(title)s”，不再允许开始作答。") % {"title": session.title})
    return redirect("exams_manage:sessions")


@require_http_methods(["GET", "POST"])
@admin_required
def session_extend(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession.objects.select_related("exam"), pk=pk)
    form = SessionExtendForm(
        request.POST or None, initial={"closes_at": timezone.localtime(session.closes_at)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_extend(
                session=session, closes_at=form.cleaned_data["closes_at"], now=timezone.now()
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("已延长“%(title)s”的结束时间。") % {"title": session.title})
            return redirect("exams_manage:sessions")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "exams/manage/session_extend.html", {"session": session, "form": form}, status=status
    )


# ---------------------------------------------------------------- results


def _minutes(row: selectors.ResultRow) -> str:
    return f"{row.time_used.total_seconds() / 60:.1f}" if row.time_used is not None else ""


STATUS_LABELS = {
    selectors.NOT_STARTED: gettext_lazy("未参加"),
    "in_progress": gettext_lazy("答题中"),
    "submitted": gettext_lazy("已交卷"),
}


@require_GET
@admin_required
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession.objects.select_related("exam"), pk=pk)
    form = ResultsFilterForm(request.GET or None)
    department = form.cleaned_data.get("department") if form.is_valid() else None
    rows = selectors.session_results(session=session, department=department)
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    if request.GET.get("format") == "xlsx":
        return download_response(
            [str(header) for header in RESULT_HEADERS],
            (
                [
                    row.employee_no,
                    row.name,
                    row.department,
                    labels[row.status],
                    row.attempts,
                    float(row.score) if row.score is not None else "",
                    _("是") if row.passed else _("否"),
                    _minutes(row),
                ]
                for row in rows
            ),
            kind="xlsx",
            filename=f"results-{session.pk}",
            title=_("成绩"),
        )
    context = {
        "session": session,
        "form": form,
        "rows": [(row, labels[row.status], _minutes(row)) for row in rows],
        "totals": {
            "eligible": len(rows),
            "submitted": sum(1 for row in rows if row.status == "submitted"),
            "passed": sum(1 for row in rows if row.passed),
        },
        "export_query": request.GET.urlencode(),
    }
    return render(request, "exams/manage/results.html", context)


# ---------------------------------------------------------------- law areas


@require_http_methods(["GET", "POST"])
@admin_required
def law_areas(request: HttpRequest) -> HttpResponse:
    form = LawAreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.law_area_create(name=form.cleaned_data["name"])
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("已添加法律领域“%(name)s”。") % {"name": area.name})
            return redirect("exams_manage:law_areas")
    status = 400 if request.method == "POST" else 200
    counts = selectors.bank_counts()
    areas = [
        (area, sum(n for (kind, name), n in counts.items() if kind and name == area.name))
        for area in law_area_list()
    ]
    return render(request, "exams/manage/law_areas.html", {"form": form, "areas": areas}, status=status)
