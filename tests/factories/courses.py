"""Factories for courses, plans and activities. Plans and activities are made through the services,
so the rules (the Constitution course, the fields each kind of activity needs) hold in tests too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from courses.models import (
    ActivityKind,
    Course,
    LawArea,
    Lesson,
    StudyActivity,
    StudyPlan,
)
from courses.services import ActivityIn, PlanCourseIn, activity_create, study_plan_save

from .base import ModelFactory

__all__ = [
    "ConstitutionCourseFactory",
    "CourseFactory",
    "LessonFactory",
    "StudyActivityFactory",
    "StudyPlanFactory",
]

LESSON_BODY = "\n\n".join(
    [
        "# 本章要点",
        "宪法是国家的根本法，具有最高的法律效力。",
        "> 第五条 中华人民共和国实行依法治国，建设社会主义法治国家。",
        *[f"第{n}段：结合本局执法实践理解条文的含义。" for n in range(1, 31)],
    ]
)


class CourseFactory(ModelFactory[Course]):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"民法典课程{n}")
    law_area = LawArea.CIVIL_CODE
    description = "课程简介"
    study_hours = Decimal("2.0")
    is_published = True


class ConstitutionCourseFactory(CourseFactory):
    title = factory.Sequence(lambda n: f"宪法课程{n}")
    law_area = LawArea.CONSTITUTION


class LessonFactory(ModelFactory[Lesson]):
    """A lesson of two seconds' minimum reading, long enough that its end is below a phone's screen."""

    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"第{n + 1}章")
    body = LESSON_BODY
    articles = "《中华人民共和国宪法》第五条"
    min_study_seconds = 2


class StudyPlanFactory(ModelFactory[StudyPlan]):
    """A plan for everyone this year; without ``courses=[...]`` it requires one new Constitution course.

    ``courses`` takes courses (required) or ``PlanCourseIn``; ``departments`` limits the audience.
    """

    class Meta:
        model = StudyPlan

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.Sequence(lambda n: f"年度学法计划{n}")
    required_hours = Decimal("10.0")

    @classmethod
    def _create(cls, model_class: type[StudyPlan], *args: Any, **kwargs: Any) -> StudyPlan:
        courses = kwargs.pop("courses", None)
        if courses is None:
            courses = [ConstitutionCourseFactory()]
        entries = [item if isinstance(item, PlanCourseIn) else PlanCourseIn(course=item) for item in courses]
        return study_plan_save(
            plan=None,
            year=kwargs["year"],
            title=kwargs["title"],
            required_hours=kwargs["required_hours"],
            departments=kwargs.get("departments", []),
            courses=entries,
        )


class StudyActivityFactory(ModelFactory[StudyActivity]):
    """A 会前学法 today with every field its kind needs."""

    class Meta:
        model = StudyActivity

    kind = ActivityKind.PRE_MEETING
    title = factory.Sequence(lambda n: f"党组会会前学法{n}")
    held_on = factory.LazyFunction(timezone.localdate)
    meeting = "局党组会"
    speaker = "王科长"
    speaker_title = "政策法规科科长"
    law_area = LawArea.CONSTITUTION
    topic = "《中华人民共和国宪法》"
    place = ""
    audience = ""
    hours = Decimal("1.0")

    @classmethod
    def _create(cls, model_class: type[StudyActivity], *args: Any, **kwargs: Any) -> StudyActivity:
        actor = kwargs.pop("created_by", None)
        held_on = kwargs.pop("held_on")
        if isinstance(held_on, str):
            held_on = date.fromisoformat(held_on)
        return activity_create(data=ActivityIn(held_on=held_on, **kwargs), actor=actor)
