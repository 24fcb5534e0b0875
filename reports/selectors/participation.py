"""Participation and pass figures of an exam session, or of every session of a kind in a year, by
department subtree; the people behind each figure; participation over the exam window.

Definitions (DESIGN.md section 4):

- *eligible*: eligible by ``exams.eligibility.eligible_users_q`` — the function the exam itself asks —
  for the session (for a year: for any of its sessions, each person once);
- *participated*: eligible and submitted at least one attempt in the session(s);
- *passed*: participated and their best attempt passed (a submitted attempt marked passed);
- ``participation_rate = participated / eligible``, ``pass_rate = passed / participated``, 0 when
  the divisor is 0.

People who joined or left during the window are counted by the roster as it is when the report is
read, exactly as the exam decides who may sit it now: a person who joined during the window is
eligible (and, until they sit, not participated); a person who left (made inactive) is neither
eligible nor counted as a participant, even if they sat the exam before leaving; a person who moved
counts in their current department, and only if the session's audience still includes it. So
``participated ≤ eligible`` always holds. The published year's figures
(``reports.services.annual_figures_publish``) freeze the numbers of the day they were published.

Statements: a report is four queries whatever the number of departments, people or attempts (the
sessions, their departments, the departments in scope, one grouped count); the people lists are
one query a page; the timeline one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DecimalField, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.eligibility import eligible_users_q
from exams.models import Attempt, AttemptStatus, ExamKind, ExamSession
from people.models import Department, User

from ..errors import InvalidReportQuery, SessionNotFound
from .common import DepartmentRow, ReportScope, children_of, departments_in_scope, rate, roll_up

FIELDS = ("eligible", "participated", "passed")
SCORE = DecimalField(max_digits=7, decimal_places=1)

# Who a people list shows.
LIST_NOT_PARTICIPATED = "not_participated"
LIST_FAILED = "failed"
LIST_PASSED = "passed"
LIST_PARTICIPATED = "participated"
LIST_ELIGIBLE = "eligible"
PEOPLE_LISTS = (LIST_NOT_PARTICIPATED, LIST_FAILED, LIST_PASSED, LIST_PARTICIPATED, LIST_ELIGIBLE)


@dataclass(frozen=True)
class Figures:
    eligible: int = 0
    participated: int = 0
    passed: int = 0

    @property
    def participation_rate(self) -> float:
        return rate(self.participated, self.eligible)

    @property
    def pass_rate(self) -> float:
        return rate(self.passed, self.participated)

    @property
    def not_participated(self) -> int:
        return self.eligible - self.participated

    @property
    def failed(self) -> int:
        return self.participated - self.passed

    def as_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "participated": self.participated,
            "passed": self.passed,
            "participation_rate": self.participation_rate,
            "pass_rate": self.pass_rate,
        }


DepartmentFigures = DepartmentRow[Figures]


@dataclass(frozen=True)
class ExamCohort:
    """The sessions a participation report counts: one session, or every session of ``kind`` in ``year``."""

    sessions: list[ExamSession]
    kind: str
    session_id: int | None = None
    year: int | None = None

    @property
    def title(self) -> str:
        if self.session_id is not None:
            return self.sessions[0].title
        return _("%(year)s年%(kind)s（全部场次）") % {"year": self.year, "kind": ExamKind(self.kind).label}

    @property
    def session_ids(self) -> list[int]:
        return [session.pk for session in self.sessions]

    @property
    def query(self) -> dict[str, Any]:
        """The query parameters that ask for this cohort again."""
        if self.session_id is not None:
            return {"session": self.session_id}
        return {"year": self.year, "kind": self.kind}

    def is_open(self, now: datetime) -> bool:
        return any(session.opens_at <= now < session.closes_at for session in self.sessions)

    def window(self) -> tuple[datetime, datetime] | None:
        if not self.sessions:
            return None
        return min(s.opens_at for s in self.sessions), max(s.closes_at for s in self.sessions)


def cohort_for(
    *, session: Any = None, year: Any = None, kind: Any = None, scope: ReportScope | None = None
) -> ExamCohort:
    """The cohort a request asks for (``session``, or ``year`` with ``kind``, default annual),
    among the sessions whose audience meets ``scope`` when given (a leader's: a session for other
    departments is not theirs to name, and none of their people could sit it).

    ``InvalidReportQuery`` names the bad parameter; ``SessionNotFound`` (404) for an unknown session
    or one outside the scope. Two queries (the sessions, their departments).
    """
    sessions = ExamSession.objects.select_related("exam").prefetch_related("departments")
    if scope is not None and not scope.is_everything:
        sessions = sessions.filter(pk__in=ExamSession.objects.filter(scope.sessions_q()).values("pk"))
    if session not in (None, ""):
        try:
            session_id = int(session)
        except (TypeError, ValueError):
            raise InvalidReportQuery(_("session 须为考试场次编号。"), field="session") from None
        found = list(sessions.filter(pk=session_id))
        if not found:
            raise SessionNotFound(_("没有这个考试场次。"), field="session")
        return ExamCohort(sessions=found, kind=found[0].exam.kind, session_id=session_id)
    if year in (None, ""):
        raise InvalidReportQuery(_("请指定 session（考试场次）或 year（年度）。"), field="session")
    try:
        year_number = int(year)
    except (TypeError, ValueError):
        raise InvalidReportQuery(_("year 须为四位年份。"), field="year") from None
    if not 2000 <= year_number <= 2100:
        raise InvalidReportQuery(_("year 须在 2000 至 2100 之间。"), field="year")
    kind = kind or ExamKind.ANNUAL
    if kind not in (ExamKind.ANNUAL, ExamKind.QUALIFICATION):
        raise InvalidReportQuery(_("kind 须为 annual 或 qualification。"), field="kind")
    found = list(sessions.filter(exam__kind=kind, opens_at__year=year_number).order_by("opens_at", "id"))
    return ExamCohort(sessions=found, kind=kind, year=year_number)


def cohort_eligible_q(cohort: ExamCohort, *, field_prefix: str = "") -> Q:
    """Eligible for any session of the cohort, through the exam's own eligibility function."""
    query = Q(pk__in=[])
    for session in cohort.sessions:
        query |= eligible_users_q(
            department_paths=[department.path for department in session.departments.all()],
            enforcement_officers_only=session.enforcement_officers_only,
            field_prefix=field_prefix,
        )
    return query


def _submitted(cohort: ExamCohort) -> QuerySet[Attempt]:
    return Attempt.objects.filter(
        candidate=OuterRef("pk"), session_id__in=cohort.session_ids, status=AttemptStatus.SUBMITTED
    )


def participated_q(cohort: ExamCohort) -> Q:
    return Q(Exists(_submitted(cohort)))


def passed_q(cohort: ExamCohort) -> Q:
    return Q(Exists(_submitted(cohort).filter(passed=True)))


def eligible_people(*, scope: ReportScope, cohort: ExamCohort) -> QuerySet[User]:
    return User.objects.filter(cohort_eligible_q(cohort), scope.people_q())


@dataclass
class ParticipationReport:
    cohort: ExamCohort
    totals: Figures
    departments: list[DepartmentFigures] = field(default_factory=list)

    def children_of(self, department_id: int | None) -> list[DepartmentFigures]:
        return children_of(self.departments, department_id)

    def row(self, department_id: int) -> DepartmentFigures | None:
        return next((row for row in self.departments if row.department.id == department_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.cohort.title,
            "sessions": self.cohort.session_ids,
            "totals": self.totals.as_dict(),
            "departments": [row.as_dict() for row in self.departments],
        }


def participation_report(*, scope: ReportScope, cohort: ExamCohort) -> ParticipationReport:
    """Figures for every department in scope over its subtree, and the totals over the scope."""
    departments = departments_in_scope(scope)
    rows = (
        eligible_people(scope=scope, cohort=cohort)
        .order_by()
        .values("department_id")
        .annotate(
            eligible=Count("pk"),
            participated=Count("pk", filter=participated_q(cohort)),
            passed=Count("pk", filter=passed_q(cohort)),
        )
    )
    own = {row["department_id"]: row for row in rows}
    sums, totals = roll_up(departments=departments, own=own, fields=FIELDS)
    return ParticipationReport(
        cohort=cohort,
        totals=Figures(**totals),
        departments=[
            DepartmentRow(department=node, figures=Figures(**sums[node.id])) for node in departments
        ],
    )


def participation_people(
    *, scope: ReportScope, cohort: ExamCohort, which: str, department: Department | None = None
) -> QuerySet[User]:
    """The named people behind a figure (``which`` in ``PEOPLE_LISTS``), within ``department``'s
    subtree if given, each with ``best_score`` and ``attempts`` in the cohort; one query."""
    if which not in PEOPLE_LISTS:
        raise InvalidReportQuery(
            _("list 须为 %(choices)s 之一。") % {"choices": ", ".join(PEOPLE_LISTS)}, field="list"
        )
    people = eligible_people(scope=scope, cohort=cohort)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    if which == LIST_NOT_PARTICIPATED:
        people = people.filter(~participated_q(cohort))
    elif which == LIST_FAILED:
        people = people.filter(participated_q(cohort)).filter(~passed_q(cohort))
    elif which == LIST_PASSED:
        people = people.filter(passed_q(cohort))
    elif which == LIST_PARTICIPATED:
        people = people.filter(participated_q(cohort))
    submitted = _submitted(cohort).order_by().values("candidate")
    return (
        people.select_related("department")
        .annotate(
            best_score=Subquery(submitted.annotate(best=Max("score")).values("best")[:1], output_field=SCORE),
            attempts=Subquery(submitted.annotate(n=Count("pk")).values("n")[:1]),
        )
        .order_by("department__path", "employee_no", "id")
    )


@dataclass(frozen=True)
class TimelinePoint:
    at: datetime
    participated: int  # cumulative: eligible people in scope who had submitted by then


def participation_timeline(
    *, scope: ReportScope, cohort: ExamCohort, now: datetime, department: Department | None = None
) -> list[TimelinePoint]:
    """Participation over the exam window: by hour for a window of up to two days, else by day;
    each point the number of people (counted once, at their first submit) who had taken part. One query."""
    window = cohort.window()
    if window is None:
        return []
    opens_at, closes_at = window
    hourly = closes_at - opens_at <= timedelta(days=2)
    people = eligible_people(scope=scope, cohort=cohort)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    first = _submitted(cohort).order_by("submitted_at").values("submitted_at")[:1]
    bucket = TruncHour("first") if hourly else TruncDate("first")
    rows = (
        people.annotate(first=Subquery(first))
        .filter(first__isnull=False)
        .order_by()
        .values(at=bucket)
        .annotate(n=Count("pk"))
        .values_list("at", "n")
    )
    counts: dict[Any, int] = dict(rows)
    tz = timezone.get_current_timezone()
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    start = timezone.localtime(opens_at, tz)
    start = start.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        start = start.replace(hour=0)
    end = min(closes_at, now)
    points: list[TimelinePoint] = []
    total = 0
    before = sum(n for at, n in counts.items() if _as_datetime(at, tz) < start)
    total += before
    moment = start
    while moment <= end and len(points) < 400:
        total += sum(n for at, n in counts.items() if moment <= _as_datetime(at, tz) < moment + step)
        points.append(TimelinePoint(at=moment, participated=total))
        moment += step
    return points


def _as_datetime(value: Any, tz: Any) -> datetime:
    if isinstance(value, datetime):
        return timezone.localtime(value, tz) if timezone.is_aware(value) else value.replace(tzinfo=tz)
    return datetime(value.year, value.month, value.day, tzinfo=tz)


def cohorts_available(*, scope: ReportScope) -> list[ExamSession]:
    """Annual and qualification sessions whose audience meets ``scope``, newest first, for the
    report's choice of session (one query)."""
    return list(
        ExamSession.objects.filter(
            pk__in=ExamSession.objects.filter(scope.sessions_q()).values("pk"),
            exam__kind__in=[ExamKind.ANNUAL, ExamKind.QUALIFICATION],
        )
        .select_related("exam")
        .order_by("-opens_at", "-id")[:200]
    )


def years_with_sessions(*, kind: str = ExamKind.ANNUAL) -> list[int]:
    """The years in which sessions of ``kind`` opened, oldest first (one query)."""
    dates = ExamSession.objects.filter(exam__kind=kind).dates("opens_at", "year")
    return sorted({value.year for value in dates})
