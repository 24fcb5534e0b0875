"""The end-of-course quiz: a practice exam of the exam engine, taken for real through its services."""

import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CourseCompletion, LessonProgress, StudyHoursEntry
from courses.selectors import course_list_for_user, course_progress_for_user
from courses.services import (
    QuizNotOpen,
    course_check_completion,
    course_quiz_start,
    courses_complete_after_quiz,
    lesson_heartbeat,
)
from courses.tasks import complete_after_quiz
from exams.errors import NoPracticeExam
from exams.models import AttemptItem, ExamKind, QuestionKind, ReviewPolicy
from exams.services import AnswerIn, RuleIn, attempt_answers_save, attempt_submit, practice_start
from lawplatform.celery import app
from tests.conftest import token_client
from tests.factories import (
    ConstitutionCourseFactory,
    ExamFactory,
    LessonFactory,
    QuestionFactory,
    UserFactory,
)

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def quiz_course(*, required=True, lessons=2, listed_in_practice=False):
    """A Constitution course ending with a quiz; kept out of the practice list unless asked."""
    QuestionFactory.create_batch(4)
    quiz = ExamFactory(
        title="宪法结课测验",
        kind=ExamKind.PRACTICE,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
        pass_score=4,
        listed_in_practice=listed_in_practice,
        rules=[RuleIn(kind=QuestionKind.SINGLE, count=3, points=2)],
    )
    course = ConstitutionCourseFactory(quiz=quiz, quiz_required=required, study_hours=Decimal("2.0"))
    LessonFactory.create_batch(lessons, course=course)
    return course


def read_all(course, user, now=T0):
    for number, lesson in enumerate(course.lessons.all()):  # one after the other: one reading clock
        start = now + timedelta(seconds=10 * number)
        lesson_heartbeat(lesson=lesson, user=user, now=start)
        lesson_heartbeat(lesson=lesson, user=user, now=start + timedelta(seconds=5), end_reached=True)


def take_quiz(course, user, *, correct, now=T0 + timedelta(minutes=1), through_course=True):
    if through_course:
        started = course_quiz_start(course=course, user=user, now=now)
    else:  # the quiz is also an ordinary practice exam on the exams pages
        started = practice_start(candidate=user, exam_id=course.quiz_id, now=now)
    items = AttemptItem.objects.filter(attempt=started.attempt)
    answers = [AnswerIn(item=item.pk, keys=item.correct if correct else ["A"]) for item in items]
    attempt_answers_save(attempt_id=started.attempt.pk, candidate=user, answers=answers, now=now)
    return attempt_submit(attempt_id=started.attempt.pk, candidate=user, now=now + timedelta(seconds=30))


@pytest.mark.django_db
def test_a_required_quiz_holds_the_course_back_until_it_is_passed():
    course = quiz_course()
    user = UserFactory()
    read_all(course, user)

    assert CourseCompletion.objects.count() == 0
    progress = course_progress_for_user(user=user, courses=course_list_for_user(user=user))[course.pk]
    assert (progress.awaiting_quiz, progress.quiz_passed, progress.percent) == (True, False, 66)

    failed = take_quiz(course, user, correct=False)
    assert failed.passed is False
    assert course_check_completion(course=course, user=user, now=T0 + timedelta(minutes=5)) is None

    passed = take_quiz(course, user, correct=True, now=T0 + timedelta(minutes=10))
    assert passed.passed is True
    completion = course_check_completion(course=course, user=user, now=T0 + timedelta(minutes=15))
    assert completion is not None and completion.completed_at == T0 + timedelta(minutes=15)
    assert list(StudyHoursEntry.objects.filter(person=user).values_list("course_id", "hours")) == [
        (course.pk, Decimal("2.0"))
    ]
    progress = course_progress_for_user(user=user, courses=course_list_for_user(user=user))[course.pk]
    assert (progress.completed, progress.quiz_passed, progress.percent) == (True, True, 100)


@pytest.mark.django_db
def test_a_quiz_kept_out_of_practice_starts_from_its_course_only():
    course = quiz_course()
    user = UserFactory()
    read_all(course, user)
    with pytest.raises(NoPracticeExam):
        practice_start(candidate=user, exam_id=course.quiz_id, now=T0 + timedelta(minutes=1))
    assert user.exam_attempts.count() == 0

    started = course_quiz_start(course=course, user=user, now=T0 + timedelta(minutes=1))

    assert (started.created, started.attempt.session.exam_id) == (True, course.quiz_id)
    assert list(user.exam_attempts.values_list("pk", flat=True)) == [started.attempt.pk]


@pytest.mark.django_db
def test_the_quiz_opens_only_after_every_lesson_is_read():
    course = quiz_course(lessons=2)
    user = UserFactory()
    first = course.lessons.first()
    lesson_heartbeat(lesson=first, user=user, now=T0)
    lesson_heartbeat(lesson=first, user=user, now=T0 + timedelta(seconds=5), end_reached=True)
    with pytest.raises(QuizNotOpen) as refused:
        course_quiz_start(course=course, user=user, now=T0 + timedelta(minutes=1))
    assert refused.value.message == "学完全部章节后才能参加结课测验（已学完 1/2 章）。"
    assert user.exam_attempts.count() == 0


@pytest.mark.django_db
def test_an_optional_quiz_does_not_hold_the_course_back():
    course = quiz_course(required=False)
    user = UserFactory()
    read_all(course, user)
    assert CourseCompletion.objects.filter(user=user, course=course).exists()


@pytest.mark.django_db
def test_a_required_quiz_needs_an_exam():
    with pytest.raises(IntegrityError), transaction.atomic():
        ConstitutionCourseFactory(quiz=None, quiz_required=True)


@pytest.mark.django_db
def test_beat_task_completes_courses_whose_quiz_was_passed_since_and_only_once(django_assert_max_num_queries):
    course = quiz_course(listed_in_practice=True)
    passed, failed, unread = UserFactory(), UserFactory(), UserFactory()
    for user in (passed, failed):
        read_all(course, user)
    take_quiz(course, passed, correct=True)
    take_quiz(course, failed, correct=False)
    # Passed the same practice exam on the exams pages after reading one lesson of two: not complete.
    LessonProgress.objects.create(user=unread, lesson=course.lessons.first(), started_at=T0, completed_at=T0)
    assert take_quiz(course, unread, correct=True, through_course=False).passed is True

    assert courses_complete_after_quiz(now=T0 + timedelta(hours=1)) == 1
    assert list(CourseCompletion.objects.values_list("user", flat=True)) == [passed.pk]
    with django_assert_max_num_queries(3):
        assert courses_complete_after_quiz(now=T0 + timedelta(hours=2)) == 0
    assert StudyHoursEntry.objects.filter(person=passed).count() == 1


@pytest.mark.django_db
def test_quiz_api_is_409_before_the_lessons_then_starts_and_resumes():
    course = quiz_course()
    user = UserFactory()
    client = token_client(user)
    refused = client.post(f"/api/v1/courses/{course.pk}/quiz/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "quiz_not_open"
    read_all(course, user, now=timezone.now() - timedelta(minutes=5))
    started = client.post(f"/api/v1/courses/{course.pk}/quiz/")
    assert started.status_code == 201
    resumed = client.post(f"/api/v1/courses/{course.pk}/quiz/")
    assert (resumed.status_code, resumed.json()) == (
        200,
        {"attempt": started.json()["attempt"], "created": False},
    )
    detail = client.get(f"/api/v1/courses/{course.pk}/").json()
    assert detail["quiz"] == {"id": course.quiz_id, "title": "宪法结课测验"}
    assert (detail["my_progress"]["awaiting_quiz"], detail["my_progress"]["quiz_passed"]) == (True, False)


@pytest.mark.django_db
def test_quiz_schedule_is_installed_by_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="courses.tasks.complete_after_quiz")
    assert (task.interval.every, task.interval.period, task.enabled) == (300, "seconds", True)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_completes_the_course_after_the_quiz():
    course = quiz_course()
    user = UserFactory()
    read_all(course, user)
    take_quiz(course, user, correct=True)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        complete_after_quiz.delay()
        deadline = time.monotonic() + 15
        while not CourseCompletion.objects.filter(user=user).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert CourseCompletion.objects.filter(user=user, course=course).count() == 1
    assert StudyHoursEntry.objects.filter(person=user).count() == 1


@pytest.mark.django_db
def test_course_page_offers_the_quiz_after_the_lessons_and_completes_on_the_next_visit_after_a_pass(client):
    course = quiz_course()
    user = UserFactory()
    client.force_login(user)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "学完全部章节后可参加《宪法结课测验》。" in page

    read_all(course, user, now=timezone.now() - timedelta(minutes=10))
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "章节已全部学完，通过结课测验后即学完本课程。" in page
    started = client.post(f"/courses/{course.pk}/quiz/")
    attempt = user.exam_attempts.get()
    assert started["Location"] == f"/exams/attempts/{attempt.pk}/"

    take_quiz(course, user, correct=True, now=timezone.now())
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "已学完本课程，记 2.0 学时。" in page
    assert "✓ 已通过《宪法结课测验》。" in page
    assert CourseCompletion.objects.filter(user=user, course=course).count() == 1
