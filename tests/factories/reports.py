"""Factories for what the reports read: exam outcomes, course completions and ledger lines, written as
rows so a test can state exactly who sat, who passed and who earned what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from courses.models import CourseCompletion, HoursSource, StudyHoursEntry
from exams.models import Attempt, AttemptStatus
from reports.models import AnnualFiguresSnapshot

from .base import ModelFactory
from .courses import CourseFactory, StudyActivityFactory
from .exams import ExamSessionFactory
from .people import UserFactory

__all__ = [
    "AnnualFiguresSnapshotFactory",
    "AttemptOutcomeFactory",
    "CourseCompletionFactory",
    "StudyHoursFactory",
]


class AttemptOutcomeFactory(ModelFactory[Attempt]):
    """A submitted attempt with a score; ``passed=False`` for a failed one, ``status="in_progress"``
    for one still being answered (no score)."""

    class Meta:
        model = Attempt

    session = factory.SubFactory(ExamSessionFactory)
    candidate = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: n % 30000 + 1)
    status = AttemptStatus.SUBMITTED
    started_at = factory.LazyAttribute(lambda o: o.session.opens_at)
    deadline = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=1))
    submitted_at = factory.LazyAttribute(
        lambda o: o.started_at + timedelta(minutes=30) if o.status == AttemptStatus.SUBMITTED else None
    )
    max_score = 100
    passed = True
    score = factory.LazyAttribute(
        lambda o: None if o.status != AttemptStatus.SUBMITTED else Decimal("90.0" if o.passed else "40.0")
    )

    @classmethod
    def _create(cls, model_class: type[Attempt], *args: Any, **kwargs: Any) -> Attempt:
        if kwargs["status"] != AttemptStatus.SUBMITTED:
            kwargs["passed"] = None
        return super()._create(model_class, *args, **kwargs)


class CourseCompletionFactory(ModelFactory[CourseCompletion]):
    class Meta:
        model = CourseCompletion

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    completed_at = factory.LazyFunction(timezone.now)


class StudyHoursFactory(ModelFactory[StudyHoursEntry]):
    """A ledger line of ``hours`` from a study activity of its own."""

    class Meta:
        model = StudyHoursEntry

    person = factory.SubFactory(UserFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    hours = Decimal("2.0")
    source = HoursSource.ACTIVITY
    activity = factory.SubFactory(StudyActivityFactory)
    title = "学法活动"
    earned_at = factory.LazyFunction(timezone.now)


class AnnualFiguresSnapshotFactory(ModelFactory[AnnualFiguresSnapshot]):
    class Meta:
        model = AnnualFiguresSnapshot

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    published_at = factory.LazyFunction(timezone.now)
    published_by = None
    published_by_name = "管理员"
    figures = factory.LazyFunction(dict)
