"""The end-of-course quiz: a practice exam of the exam engine, passed when the person has a
submitted attempt of it marked passed (the definition of ``exams.selectors.exam_passed_by``).

The single check goes through that selector; the set-based reads below (one person's courses,
everyone waiting on a quiz) ask the same of ``exams.models.Attempt`` in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from exams.models import Attempt, AttemptStatus, Exam
from exams.selectors import exam_passed_by
from people.models import User

from .models import Course


def quiz_passed(*, course: Course, user: User) -> bool:
    return course.quiz_id is not None and exam_passed_by(user=user, exam=Exam(pk=course.quiz_id))


def _passed_attempts() -> QuerySet[Attempt]:
    return Attempt.objects.filter(status=AttemptStatus.SUBMITTED, passed=True)


def quizzes_passed(*, user: User, courses: Iterable[Course]) -> set[int]:
    """The ids of the quiz exams, among these courses', that ``user`` has passed: one query."""
    exam_ids = {course.quiz_id for course in courses if course.quiz_id is not None}
    if not exam_ids:
        return set()
    return set(
        _passed_attempts()
        .filter(candidate=user, session__exam_id__in=exam_ids)
        .values_list("session__exam_id", flat=True)
        .distinct()
    )


def quiz_passers(*, course: Course) -> QuerySet[Attempt, int]:
    """The ids of everyone who passed the course's quiz, as a subquery."""
    assert course.quiz_id is not None
    return _passed_attempts().filter(session__exam_id=course.quiz_id).values_list("candidate_id", flat=True)
