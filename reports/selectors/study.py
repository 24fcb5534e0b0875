"""Study figures of a year by department subtree: required-course completion and study hours against
the plan (学时达标率), from the study-hours ledger; and the people behind them.

Who is counted: active people in scope to whom at least one study plan of the year applies (a plan
without departments applies to everyone, one with departments to their subtrees — as
``courses.selectors.personal_plan`` merges them). A person's required hours are the largest any of
their plans asks; their required courses the union of the courses any of their plans requires.

- *people*: counted as above;
- *courses_done*: people who completed every required course (a ``CourseCompletion`` each);
- *hours_met*: people whose ledger total for the year is at least their required hours;
- ``completion_rate = courses_done / people``, ``hours_rate = hours_met / people`` (0 for 0);
- ``hours_mean`` and ``required_mean``: hours earned and hours required per person.

Set-based: departments sharing the same plans form one group, and one grouped query annotates every
person with their group's requirement (``Case`` over the groups), their ledger total and their
completed required courses (subqueries). Three queries for the plans, one for the departments, one
for the counts, whatever the number of departments or people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from courses.models import CourseCompletion, StudyHoursEntry, StudyPlan
from courses.selectors import plan_applies_to
from people.models import Department, User
from people.scope import ancestor_paths

from ..errors import InvalidReportQuery
from .common import (
    DepartmentNode,
    DepartmentRow,
    ReportScope,
    active_people,
    children_of,
    departments_in_scope,
    rate,
    roll_up,
)

ZERO = Decimal("0")
HOURS = DecimalField(max_digits=9, decimal_places=1)
FIELDS = ("people", "courses_done", "hours_met", "hours_sum", "required_sum")

LIST_BEHIND_ON_HOURS = "behind_on_hours"
LIST_COURSES_UNFINISHED = "courses_unfinished"
STUDY_LISTS = (LIST_BEHIND_ON_HOURS, LIST_COURSES_UNFINISHED)


@dataclass(frozen=True)
class StudyFigures:
    people: int = 0
    courses_done: int = 0
    hours_met: int = 0
    hours_sum: Decimal = ZERO
    required_sum: Decimal = ZERO

    @property
    def completion_rate(self) -> float:
        return rate(self.courses_done, self.people)

    @property
    def hours_rate(self) -> float:
        return rate(self.hours_met, self.people)

    @property
    def hours_mean(self) -> Decimal:
        return (self.hours_sum / self.people).quantize(Decimal("0.1")) if self.people else ZERO

    @property
    def required_mean(self) -> Decimal:
        return (self.required_sum / self.people).quantize(Decimal("0.1")) if self.people else ZERO

    @property
    def behind_on_hours(self) -> int:
        return self.people - self.hours_met

    @property
    def courses_unfinished(self) -> int:
        return self.people - self.courses_done

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "courses_done": self.courses_done,
            "completion_rate": self.completion_rate,
            "hours_met": self.hours_met,
            "hours_rate": self.hours_rate,
            "hours_mean": str(self.hours_mean),
            "required_mean": str(self.required_mean),
        }


DepartmentStudy = DepartmentRow[StudyFigures]


@dataclass
class StudyReport:
    year: int
    totals: StudyFigures
    departments: list[DepartmentStudy] = field(default_factory=list)

    def children_of(self, department_id: int | None) -> list[DepartmentStudy]:
        return children_of(self.departments, department_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "totals": self.totals.as_dict(),
            "departments": [row.as_dict() for row in self.departments],
        }


@dataclass(frozen=True)
class _Requirement:
    hours: Decimal
    courses: frozenset[int]


def _requirements(year: int) -> list[tuple[StudyPlan, _Requirement]]:
    """Each plan of ``year`` (its departments loaded) with what it requires: three queries."""
    plans = list(StudyPlan.objects.filter(year=year).prefetch_related("departments", "entries"))
    return [
        (
            plan,
            _Requirement(
                hours=plan.required_hours,
                courses=frozenset(entry.course_id for entry in plan.entries.all() if entry.required),
            ),
        )
        for plan in plans
    ]


def _merge(requirements: list[_Requirement]) -> _Requirement | None:
    if not requirements:
        return None
    return _Requirement(
        hours=max(req.hours for req in requirements),
        courses=frozenset().union(*(req.courses for req in requirements)),
    )


def _requirement_of(
    department: Department | None, rules: list[tuple[StudyPlan, _Requirement]]
) -> _Requirement | None:
    """The merged requirement of the plans that apply in ``department`` (the courses app's own rule)."""
    return _merge([req for plan, req in rules if plan_applies_to(plan, department)])


def annotate_study(people: QuerySet[User], *, year: int, departments: list[DepartmentNode]) -> QuerySet[User]:
    """``people`` limited to those a plan of ``year`` applies to, each annotated with ``required_hours``,
    ``hours`` (ledger total), ``required_courses`` and ``courses_completed`` (of those required)."""
    rules = _requirements(year)
    nobody = _requirement_of(None, rules)
    groups: dict[_Requirement, list[int]] = {}
    for node in departments:
        requirement = _requirement_of(Department(pk=node.id, path=node.path), rules)
        if requirement is not None:
            groups.setdefault(requirement, []).append(node.id)
    hours_whens, count_whens, done_whens = [], [], []
    conditions: list[tuple[Q, _Requirement]] = [
        (Q(department_id__in=ids), requirement) for requirement, ids in groups.items()
    ]
    if nobody is not None:
        conditions.append((Q(department__isnull=True), nobody))
    for condition, requirement in conditions:
        hours_whens.append(When(condition, then=Value(requirement.hours)))
        count_whens.append(When(condition, then=Value(len(requirement.courses))))
        completed = (
            CourseCompletion.objects.filter(user=OuterRef("pk"), course_id__in=sorted(requirement.courses))
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        done_whens.append(When(condition, then=Coalesce(Subquery(completed), Value(0))))
    if not conditions:
        return people.none().annotate(
            required_hours=Value(ZERO, output_field=HOURS),
            hours=Value(ZERO, output_field=HOURS),
            required_courses=Value(0),
            courses_completed=Value(0),
        )
    ledger = (
        StudyHoursEntry.objects.filter(person=OuterRef("pk"), year=year)
        .order_by()
        .values("person")
        .annotate(total=Sum("hours"))
        .values("total")[:1]
    )
    return people.annotate(
        required_hours=Case(*hours_whens, default=None, output_field=HOURS),
        required_courses=Case(*count_whens, default=Value(0), output_field=IntegerField()),
        courses_completed=Case(*done_whens, default=Value(0), output_field=IntegerField()),
        hours=Coalesce(Subquery(ledger, output_field=HOURS), Value(ZERO), output_field=HOURS),
    ).filter(required_hours__isnull=False)


def study_report(*, scope: ReportScope, year: int) -> StudyReport:
    """Study figures for every department in scope over its subtree, and the totals over the scope."""
    departments = departments_in_scope(scope)
    people = annotate_study(active_people(scope), year=year, departments=departments)
    rows = (
        people.order_by()
        .values("department_id")
        .annotate(
            people=Count("pk"),
            courses_done=Count("pk", filter=Q(courses_completed__gte=F("required_courses"))),
            hours_met=Count("pk", filter=Q(hours__gte=F("required_hours"))),
            hours_sum=Coalesce(Sum("hours"), Value(ZERO), output_field=HOURS),
            required_sum=Coalesce(Sum("required_hours"), Value(ZERO), output_field=HOURS),
        )
    )
    own = {row["department_id"]: row for row in rows}
    sums, totals = roll_up(departments=departments, own=own, fields=FIELDS)
    return StudyReport(
        year=year,
        totals=_figures(totals),
        departments=[DepartmentRow(department=node, figures=_figures(sums[node.id])) for node in departments],
    )


def _figures(values: dict[str, Any]) -> StudyFigures:
    return StudyFigures(
        people=values["people"],
        courses_done=values["courses_done"],
        hours_met=values["hours_met"],
        hours_sum=Decimal(values["hours_sum"]),
        required_sum=Decimal(values["required_sum"]),
    )


def study_people(
    *, scope: ReportScope, year: int, which: str, department: Department | None = None
) -> QuerySet[User]:
    """The people behind on hours (``behind_on_hours``) or with required courses unfinished
    (``courses_unfinished``), within ``department``'s subtree if given; one query (plus the plans)."""
    if which not in STUDY_LISTS:
        raise InvalidReportQuery(
            _("list 须为 %(choices)s 之一。") % {"choices": ", ".join(STUDY_LISTS)}, field="list"
        )
    departments = departments_in_scope(scope)
    people: Any = active_people(scope)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    people = annotate_study(people, year=year, departments=departments)
    if which == LIST_BEHIND_ON_HOURS:
        people = people.filter(hours__lt=F("required_hours"))
    else:
        people = people.filter(courses_completed__lt=F("required_courses"))
    return people.select_related("department").order_by("department__path", "employee_no", "id")


def plan_for(*, year: int, department: Department | None) -> StudyPlan | None:
    """The plan of ``year`` a nudge about ``department``'s people is about: of the plans whose audience
    includes the department (everyone's plan for no department), the one asking the most hours."""
    plans = StudyPlan.objects.filter(year=year)
    if department is None:
        plans = plans.filter(departments__isnull=True)
    else:
        plans = plans.filter(
            Q(departments__isnull=True) | Q(departments__path__in=ancestor_paths(department.path))
        )
    return plans.order_by("-required_hours", "id").first()
