"""Annual study plans (年度学法计划): the Constitution is in every one of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import Department

from ..errors import ConstitutionRequired
from ..models import Course, LawArea, PlanCourse, StudyPlan


@dataclass(frozen=True)
class PlanCourseIn:
    course: Course
    required: bool = True
    due_on: date | None = None


def plan_courses_check(*, year: int, courses: Sequence[PlanCourseIn]) -> None:
    """Refuse a course list with duplicates, deadlines outside the year, or no required Constitution course."""
    seen: set[int] = set()
    for entry in courses:
        if entry.course.pk in seen:
            raise ValidationFailed(
                _("课程《%(title)s》在计划中出现了两次。") % {"title": entry.course.title}, field="courses"
            )
        seen.add(entry.course.pk)
        if entry.due_on is not None and entry.due_on.year != year:
            raise ValidationFailed(
                _("课程《%(title)s》的完成期限应在 %(year)s 年内。")
                % {"title": entry.course.title, "year": year},
                field="courses",
            )
    if not any(entry.required and entry.course.law_area == LawArea.CONSTITUTION for entry in courses):
        raise ConstitutionRequired(
            _("年度学法计划的必修课程中必须有宪法课程：宪法是每年学法计划的固定内容。"), field="courses"
        )


@transaction.atomic
def study_plan_save(
    *,
    plan: StudyPlan | None,
    year: int,
    title: str,
    required_hours: Decimal,
    departments: Iterable[Department],
    courses: Sequence[PlanCourseIn],
) -> StudyPlan:
    """Create (``plan=None``) or replace a plan with its audience and courses, all or nothing."""
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("计划名称不能为空。"), field="title")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应为 2000 至 2100 之间的年份。"), field="year")
    if required_hours < 0:
        raise ValidationFailed(_("应修学时不能为负数。"), field="required_hours")
    plan_courses_check(year=year, courses=courses)
    if plan is None:
        plan = StudyPlan()
    plan.year, plan.title, plan.required_hours = year, title, required_hours
    plan.save()
    plan.departments.set(list(departments))
    wanted = {entry.course.pk: entry for entry in courses}
    PlanCourse.objects.filter(plan=plan).exclude(course_id__in=wanted).delete()
    current = {row.course_id: row for row in PlanCourse.objects.filter(plan=plan)}
    for course_id, entry in wanted.items():
        row = current.get(course_id)
        if row is None:
            PlanCourse.objects.create(
                plan=plan, course=entry.course, required=entry.required, due_on=entry.due_on
            )
        elif (row.required, row.due_on) != (entry.required, entry.due_on):
            row.required, row.due_on = entry.required, entry.due_on
            row.save(update_fields=["required", "due_on"])
    return plan


@transaction.atomic
def study_plan_delete(*, plan: StudyPlan) -> None:
    plan.delete()
