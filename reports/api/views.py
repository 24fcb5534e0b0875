"""The reports API (DESIGN.md section 4, "Reports"): thin views over ``reports.selectors`` and
``reports.services``. Leaders read their scope, administrators everything; anyone else gets 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from people.permissions import IsExamAdmin, IsExamAdminOrLeader

from .. import exports, selectors, services
from ..errors import InvalidReportQuery
from .serializers import (
    AnnualFiguresSerializer,
    CredentialPersonSerializer,
    CredentialReportSerializer,
    ErrorSerializer,
    ParticipationSerializer,
    PersonRowSerializer,
    PublishInSerializer,
    StudySerializer,
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


E400 = error("Bad input: `detail` names the parameter (`invalid_report_query`).")
E403 = error("Not a leader or an administrator.")
E404 = error("No such session or department, or the department is outside the caller's scope.")
XLSX = (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
FORMAT = OpenApiParameter("format", str, enum=["json", "xlsx"], description="`xlsx` for a spreadsheet.")
SESSION = OpenApiParameter("session", int, description="An exam session (or give `year` and `kind`).")
YEAR = OpenApiParameter("year", int, description="A year (2000–2100).")
KIND = OpenApiParameter(
    "kind", str, enum=["annual", "qualification"], description="With `year` (default annual)."
)
DEPARTMENT = OpenApiParameter("department", int, description="Only this department's subtree.")


def year_param(request: Request, *, required: bool = True) -> int:
    raw = request.query_params.get("year", "")
    if raw == "" and not required:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise InvalidReportQuery(_("year 须为四位年份。"), field="year") from None
    if not 2000 <= year <= 2100:
        raise InvalidReportQuery(_("year 须在 2000 至 2100 之间。"), field="year")
    return year


def department_param(request: Request) -> int | None:
    raw = request.query_params.get("department", "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidReportQuery(_("department 须为单位编号。"), field="department") from None


def format_param(request: Request, allowed: tuple[str, ...] = ("json", "xlsx")) -> str:
    value = request.query_params.get("format", "json") or "json"
    if value not in allowed:
        raise InvalidReportQuery(
            _("format 须为 %(choices)s 之一。") % {"choices": ", ".join(allowed)}, field="format"
        )
    return value


def person_rows(people: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": person.pk,
            "name": person.display_name,
            "employee_no": person.employee_no,
            "department": person.department.name if person.department else None,
        }
        for person in people
    ]


class ReportView(APIView):
    permission_classes = [IsExamAdminOrLeader]


class ParticipationView(ReportView):
    @extend_schema(
        parameters=[SESSION, YEAR, KIND, FORMAT],
        responses={200: ParticipationSerializer, XLSX: bytes, 400: E400, 403: E403, 404: E404},
        description=(
            "Eligible, participated and passed people by department, each over its whole subtree, and "
            "the totals over the caller's scope. `?year=YYYY&kind=annual` counts every annual session "
            "of the year, each person once, by their best attempt."
        ),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        params = request.query_params
        cohort = selectors.cohort_for(
            session=params.get("session"), year=params.get("year"), kind=params.get("kind"), scope=scope
        )
        report = selectors.participation_report(scope=scope, cohort=cohort)
        if kind == "xlsx":
            return exports.participation_xlsx(report)
        return Response(report.as_dict())


class ParticipationPeopleView(ReportView):
    @extend_schema(
        parameters=[
            SESSION,
            YEAR,
            KIND,
            DEPARTMENT,
            OpenApiParameter("list", str, enum=list(selectors.PEOPLE_LISTS), description="Whom to list."),
            FORMAT,
        ],
        responses={200: PersonRowSerializer(many=True), XLSX: bytes, 400: E400, 403: E403, 404: E404},
        description="The named people behind a participation figure, within the caller's scope.",
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        params = request.query_params
        cohort = selectors.cohort_for(
            session=params.get("session"), year=params.get("year"), kind=params.get("kind"), scope=scope
        )
        department = selectors.department_in_scope(scope=scope, department_id=department_param(request))
        people = selectors.participation_people(
            scope=scope, cohort=cohort, which=params.get("list", "not_participated"), department=department
        )
        if kind == "xlsx":
            return exports.people_xlsx(
                people,
                columns=[(_("作答次数"), "attempts"), (_("最高分"), "best_score")],
                filename=f"participation-{params.get('list', 'not_participated')}",
            )
        listed: list[Any] = list(people)
        rows = person_rows(listed)
        for row, person in zip(rows, listed, strict=True):  # annotated by the selector
            row["attempts"] = person.attempts or 0
            row["best_score"] = None if person.best_score is None else f"{person.best_score:.1f}"
        return Response(rows)


class StudyView(ReportView):
    @extend_schema(
        parameters=[YEAR, FORMAT],
        responses={200: StudySerializer, XLSX: bytes, 400: E400, 403: E403},
        description="Required-course completion and study hours against the plan (学时达标率) by department.",
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        report = selectors.study_report(scope=scope, year=year_param(request, required=False))
        if kind == "xlsx":
            return exports.study_xlsx(report)
        return Response(report.as_dict())


class StudyPeopleView(ReportView):
    @extend_schema(
        parameters=[
            YEAR,
            DEPARTMENT,
            OpenApiParameter("list", str, enum=list(selectors.STUDY_LISTS), description="Whom to list."),
            FORMAT,
        ],
        responses={200: PersonRowSerializer(many=True), XLSX: bytes, 400: E400, 403: E403, 404: E404},
        description="People behind on study hours, or with required courses unfinished, within the caller's scope.",
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        which = request.query_params.get("list", "behind_on_hours")
        department = selectors.department_in_scope(scope=scope, department_id=department_param(request))
        people = selectors.study_people(
            scope=scope, year=year_param(request, required=False), which=which, department=department
        )
        if kind == "xlsx":
            return exports.people_xlsx(
                people,
                columns=[
                    (_("已获学时"), "hours"),
                    (_("应修学时"), "required_hours"),
                    (_("已学完必修课程"), "courses_completed"),
                    (_("必修课程"), "required_courses"),
                ],
                filename=f"study-{which}",
            )
        listed: list[Any] = list(people)
        rows = person_rows(listed)
        for row, person in zip(rows, listed, strict=True):  # annotated by the selector
            row.update(
                hours=f"{person.hours:.1f}",
                required_hours=f"{person.required_hours:.1f}",
                courses_completed=person.courses_completed,
                required_courses=person.required_courses,
            )
        return Response(rows)


class CredentialReportView(ReportView):
    @extend_schema(
        parameters=[FORMAT],
        responses={200: CredentialReportSerializer, XLSX: bytes, 400: E400, 403: E403},
        description=(
            "Enforcement credentials by department, each over its whole subtree, counted today over the "
            "active people in the caller's scope: valid, suspended, revoked, expiring within 90 days, "
            "failed in annual review; enforcement officers and those who may not enforce; people at risk."
        ),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        report = selectors.credential_report(scope=scope, today=timezone.localdate())
        if kind == "xlsx":
            return exports.credentials_xlsx(report)
        return Response(report.as_dict())


RISK_CODES = [
    ("risk_expiring", "expiring"),
    ("risk_suspended", "suspended"),
    ("risk_review_failed", "review_failed"),
    ("risk_not_enforcing", "not_enforcing"),
]


class CredentialPeopleView(ReportView):
    @extend_schema(
        parameters=[
            DEPARTMENT,
            OpenApiParameter(
                "list",
                str,
                enum=list(selectors.CREDENTIAL_LISTS),
                description="Everyone at risk (default), or one reason.",
            ),
            FORMAT,
        ],
        responses={200: CredentialPersonSerializer(many=True), XLSX: bytes, 400: E400, 403: E403, 404: E404},
        description=(
            "The people whose credential is at risk (expiring, suspended, failed in annual review, or an "
            "enforcement officer who may not enforce), within the caller's scope."
        ),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request)
        which = request.query_params.get("list", "at_risk")
        department = selectors.department_in_scope(scope=scope, department_id=department_param(request))
        people = selectors.credential_people(
            scope=scope, today=timezone.localdate(), which=which, department=department
        )
        if kind == "xlsx":
            return exports.people_xlsx(
                people,
                columns=credential_columns(),
                filename=f"credentials-{which}",
            )
        listed: list[Any] = list(people)
        rows = person_rows(listed)
        for row, person in zip(rows, listed, strict=True):  # annotated by the selector
            row["risks"] = [code for name, code in RISK_CODES if getattr(person, name)]
            row["credential"] = (
                None
                if person.credential_id is None
                else {
                    "id": person.credential_id,
                    "number": person.credential_number,
                    "status": person.credential_status,
                    "valid_until": person.credential_valid_until,
                }
            )
        return Response(rows)


def credential_columns() -> list[exports.Column]:
    return [
        (_("证号"), "credential_number"),
        (_("状态"), lambda person: selectors.status_label(person.credential_status)),
        (
            _("有效期至"),
            lambda person: person.credential_valid_until.isoformat() if person.credential_valid_until else "",
        ),
        (_("风险"), lambda person: _("、").join(selectors.risks_of(person))),
    ]


def published_dict(snapshot: Any) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "id": snapshot.pk,
        "published_at": snapshot.published_at,
        "published_by": snapshot.published_by_name,
        "figures": snapshot.figures,
    }


class AnnualFiguresView(ReportView):
    @extend_schema(
        parameters=[YEAR, OpenApiParameter("format", str, enum=["json", "xlsx", "docx"])],
        responses={
            200: AnnualFiguresSerializer,
            XLSX: bytes,
            (200, exports.DOCX_CONTENT_TYPE): bytes,
            400: E400,
            403: E403,
        },
        description=(
            "The year's figures (年度学法统计) counted now over the caller's scope, in the summary's "
            "sentences, with the latest published snapshot (administrators: the bureau's). "
            "`?format=xlsx|docx` exports the published snapshot when there is one (with the recount "
            "beside it in the spreadsheet), else the figures counted now."
        ),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        scope = selectors.report_scope(request.user)
        kind = format_param(request, ("json", "xlsx", "docx"))
        year = year_param(request, required=False)
        figures = selectors.annual_figures(scope=scope, year=year, today=timezone.localdate())
        snapshot = selectors.published_figures(year=year) if scope.is_everything else None
        if kind == "xlsx":
            if snapshot is not None:
                return exports.annual_xlsx(snapshot.figures, against=figures)
            return exports.annual_xlsx(figures)
        if kind == "docx":
            if snapshot is not None:
                return exports.annual_docx(snapshot.figures, published=published_line(snapshot))
            return exports.annual_docx(figures)
        return Response(
            {
                "year": year,
                "figures": figures,
                "sentences": selectors.annual_sentences(figures),
                "published": published_dict(snapshot),
            }
        )


def published_line(snapshot: Any) -> str:
    return _("%(by)s 于 %(at)s 发布") % {
        "by": snapshot.published_by_name,
        "at": timezone.localtime(snapshot.published_at).strftime("%Y-%m-%d %H:%M"),
    }


class AnnualFiguresPublishView(APIView):
    permission_classes = [IsExamAdmin]

    @extend_schema(
        request=PublishInSerializer,
        responses={201: AnnualFiguresSerializer, 400: E400, 403: error("Not an exam administrator.")},
        description="Store the year's figures, counted now over the whole bureau, as a dated snapshot (audited).",
    )
    def post(self, request: Request) -> Response:
        data = PublishInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        snapshot = services.annual_figures_publish(
            year=data.validated_data["year"], actor=request.user, now=timezone.now()
        )
        return Response(
            {
                "year": snapshot.year,
                "figures": snapshot.figures,
                "sentences": selectors.annual_sentences(snapshot.figures),
                "published": published_dict(snapshot),
            },
            status=status.HTTP_201_CREATED,
        )
