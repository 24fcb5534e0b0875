"""One reading clock per person, and a course's quiz only after its lessons: time cannot be earned on
several lessons at once, and the quiz cannot be started around the course (API or page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses.models import LessonProgress
from courses.services import lesson_heartbeat
from exams.models import Attempt, ExamKind, ReviewPolicy
from exams.services import practice_session_open
from tests.conftest import token_client
from tests.courses.test_quiz import quiz_course
from tests.factories import (
    ConstitutionCourseFactory,
    ExamFactory,
    LessonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def seconds_of(user) -> dict[int, int]:
    return dict(LessonProgress.objects.filter(user=user).values_list("lesson_id", "seconds_spent"))


def test_beating_every_lesson_at_once_earns_nothing():
    # given a person and three lessons
    lessons = LessonFactory.create_batch(3, min_study_seconds=60)
    user = UserFactory()

    # when a script beats all three every 15 s for five minutes
    for tick in range(21):
        for lesson in lessons:
            lesson_heartbeat(lesson=lesson, user=user, now=T0 + timedelta(seconds=15 * tick))

    # then no lesson earned a second
    assert seconds_of(user) == {lesson.pk: 0 for lesson in lessons}


def test_reading_one_lesson_earns_its_time_and_moving_on_restarts_the_clock():
    first, second = LessonFactory.create_batch(2, min_study_seconds=60)
    user = UserFactory()

    for tick in range(5):  # 0..60 s on the first lesson
        lesson_heartbeat(lesson=first, user=user, now=T0 + timedelta(seconds=15 * tick))
    for tick in range(5, 9):  # then the second: its first beat starts its clock
        lesson_heartbeat(lesson=second, user=user, now=T0 + timedelta(seconds=15 * tick))
    back = lesson_heartbeat(lesson=first, user=user, now=T0 + timedelta(seconds=15 * 9))

    assert seconds_of(user) == {first.pk: 60, second.pk: 45}
    assert back.credited_seconds == 0  # back on the first lesson: its clock starts again


def test_two_people_have_two_clocks():
    lesson = LessonFactory(min_study_seconds=60)
    one, other = UserFactory(), UserFactory()

    for tick in range(3):
        for person in (one, other):
            lesson_heartbeat(lesson=lesson, user=person, now=T0 + timedelta(seconds=15 * tick))

    assert (seconds_of(one), seconds_of(other)) == ({lesson.pk: 30}, {lesson.pk: 30})


def test_the_quiz_cannot_be_started_through_its_exam_session_before_the_lessons_are_read(client):
    # given a course whose quiz already has an open session (someone took it), and a person who read nothing
    course = quiz_course()
    assert course.quiz is not None
    session = practice_session_open(exam=course.quiz, now=T0)
    user = UserFactory()
    api = token_client(user)

    # when they start the quiz's session directly, through the API and the page, and through the course
    direct = api.post(f"/api/v1/exam-sessions/{session.pk}/attempts/")
    client.force_login(user)
    page = client.post(reverse("exams:session_start", args=[session.pk]), follow=True)
    through_course = api.post(f"/api/v1/courses/{course.pk}/quiz/")

    # then every way is refused and no attempt exists
    assert (direct.status_code, direct.json()["code"]) == (409, "no_practice_exam")
    assert "这份练习卷不能从这里开始。" in page.content.decode()
    assert (through_course.status_code, through_course.json()["code"]) == (409, "quiz_not_open")
    assert Attempt.objects.filter(candidate=user).count() == 0


def test_the_admin_refuses_a_quiz_listed_in_practice(admin_client):
    course = ConstitutionCourseFactory()
    listed = ExamFactory(
        kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT, listed_in_practice=True
    )
    url = reverse("admin:courses_course_change", args=[course.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "cover" and not isinstance(value, list)
    }
    data |= {
        "quiz": str(listed.pk),
        "quiz_required": "on",
        "lessons-TOTAL_FORMS": "0",
        "lessons-INITIAL_FORMS": "0",
        "lessons-MIN_NUM_FORMS": "0",
        "lessons-MAX_NUM_FORMS": "1000",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "结课测验须是不列入练习的练习卷" in response.content.decode()
    course.refresh_from_db()
    assert course.quiz_id is None
