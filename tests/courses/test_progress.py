from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from courses.models import CourseCompletion, HoursSource, LessonProgress, StudyHoursEntry
from courses.services import (
    HEARTBEAT_CAP_SECONDS,
    LessonNotFinished,
    course_check_completion,
    lesson_complete,
    lesson_heartbeat,
)
from tests.factories import CourseFactory, LessonFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def beat(lesson, user, *, end_reached=False):
    return lesson_heartbeat(lesson=lesson, user=user, now=timezone.now(), end_reached=end_reached)


def test_first_beat_starts_the_clock_and_credits_nothing():
    lesson = LessonFactory(min_study_seconds=60)
    user = UserFactory()
    result = lesson_heartbeat(lesson=lesson, user=user, now=T0)
    assert result.credited_seconds == 0
    progress = LessonProgress.objects.get(user=user, lesson=lesson)
    assert (progress.seconds_spent, progress.last_heartbeat_at, progress.started_at) == (0, T0, T0)
    assert progress.completed_at is None


def test_beats_credit_the_time_between_them_and_the_cap_stops_an_idle_tab_earning():
    lesson = LessonFactory(min_study_seconds=600)
    user = UserFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        beat(lesson, user)
        traveller.shift(15)
        assert beat(lesson, user).credited_seconds == 15
        traveller.shift(15)
        assert beat(lesson, user).credited_seconds == 15
        # The tab was left alone for ten minutes: the next beat earns the cap, not ten minutes.
        traveller.shift(600)
        assert beat(lesson, user).credited_seconds == HEARTBEAT_CAP_SECONDS
        traveller.shift(15)
        assert beat(lesson, user).credited_seconds == 15
    progress = LessonProgress.objects.get(user=user, lesson=lesson)
    assert progress.seconds_spent == 15 + 15 + HEARTBEAT_CAP_SECONDS + 15


def test_replayed_beats_earn_only_the_time_that_really_passed():
    lesson = LessonFactory(min_study_seconds=600)
    user = UserFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        beat(lesson, user)
        traveller.shift(10)
        credited = [beat(lesson, user).credited_seconds for _ in range(20)]
    assert credited == [10] + [0] * 19
    assert LessonProgress.objects.get(user=user, lesson=lesson).seconds_spent == 10


def test_fractions_of_a_second_carry_over_to_the_next_beat():
    lesson = LessonFactory(min_study_seconds=600)
    user = UserFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        beat(lesson, user)
        credited = []
        for _ in range(4):
            traveller.shift(0.5)
            credited.append(beat(lesson, user).credited_seconds)
    assert credited == [0, 1, 0, 1]


def test_a_clock_going_backwards_credits_nothing():
    lesson = LessonFactory(min_study_seconds=600)
    user = UserFactory()
    lesson_heartbeat(lesson=lesson, user=user, now=T0)
    result = lesson_heartbeat(lesson=lesson, user=user, now=T0 - timedelta(seconds=20))
    assert result.credited_seconds == 0
    assert LessonProgress.objects.get().last_heartbeat_at == T0


def test_lesson_completes_only_with_both_the_minimum_time_and_the_end_reached():
    lesson = LessonFactory(min_study_seconds=20)
    user = UserFactory()
    lesson_heartbeat(lesson=lesson, user=user, now=T0)
    # The end is reached early: not yet enough time.
    early = lesson_heartbeat(lesson=lesson, user=user, now=T0 + timedelta(seconds=10), end_reached=True)
    assert (early.progress.seconds_spent, early.progress.completed_at) == (10, None)
    assert early.progress.end_reached_at == T0 + timedelta(seconds=10)
    # Enough time, end already reached: completes on this beat.
    done = lesson_heartbeat(lesson=lesson, user=user, now=T0 + timedelta(seconds=25))
    assert done.lesson_completed_now is True
    assert done.progress.completed_at == T0 + timedelta(seconds=25)


def test_enough_time_without_reaching_the_end_does_not_complete():
    lesson = LessonFactory(min_study_seconds=20)
    user = UserFactory()
    for second in range(0, 61, 15):
        result = lesson_heartbeat(lesson=lesson, user=user, now=T0 + timedelta(seconds=second))
    assert result.progress.seconds_spent == 60
    assert result.progress.completed_at is None


def test_course_completes_with_its_last_lesson_and_credits_its_hours_once():
    course = CourseFactory(study_hours=Decimal("2.5"), title="民法典总则")
    first, second = LessonFactory(course=course, position=1), LessonFactory(course=course, position=2)
    user = UserFactory()
    for number, lesson in enumerate((first, second)):  # one after the other: one reading clock
        start = T0 + timedelta(seconds=10 * number)
        lesson_heartbeat(lesson=lesson, user=user, now=start)
        result = lesson_heartbeat(
            lesson=lesson, user=user, now=start + timedelta(seconds=5), end_reached=True
        )
    assert result.course_completed is True
    completion = CourseCompletion.objects.get(user=user, course=course)
    assert completion.completed_at == T0 + timedelta(seconds=15)
    entry = StudyHoursEntry.objects.get(person=user)
    assert (entry.source, entry.course, entry.hours, entry.year, entry.title) == (
        HoursSource.COURSE,
        course,
        Decimal("2.5"),
        2026,
        "民法典总则",
    )
    # Checking again, or beating on a completed lesson, credits nothing more.
    assert course_check_completion(course=course, user=user, now=T0 + timedelta(days=1)) == completion
    lesson_heartbeat(lesson=second, user=user, now=T0 + timedelta(seconds=20), end_reached=True)
    assert StudyHoursEntry.objects.filter(person=user).count() == 1


def test_course_with_a_lesson_left_is_not_complete():
    course = CourseFactory()
    first = LessonFactory(course=course)
    LessonFactory(course=course)
    user = UserFactory()
    lesson_heartbeat(lesson=first, user=user, now=T0)
    result = lesson_heartbeat(lesson=first, user=user, now=T0 + timedelta(seconds=5), end_reached=True)
    assert (result.lesson_completed_now, result.course_completed) == (True, False)
    assert CourseCompletion.objects.count() == 0
    assert StudyHoursEntry.objects.count() == 0


def test_year_of_the_ledger_line_is_the_local_year_of_completion():
    lesson = LessonFactory()
    user = UserFactory()
    new_years_eve = datetime(2025, 12, 31, 23, 59, 50, tzinfo=ZoneInfo("Asia/Shanghai"))
    lesson_heartbeat(lesson=lesson, user=user, now=new_years_eve)
    lesson_heartbeat(lesson=lesson, user=user, now=new_years_eve + timedelta(seconds=5), end_reached=True)
    assert StudyHoursEntry.objects.get().year == 2025  # 15:59:55 UTC, but 23:59:55 in Beijing


def test_complete_is_refused_while_time_is_short_and_changes_nothing():
    lesson = LessonFactory(min_study_seconds=120)
    user = UserFactory()
    lesson_heartbeat(lesson=lesson, user=user, now=T0)
    with pytest.raises(LessonNotFinished) as refused:
        lesson_complete(lesson=lesson, user=user, now=T0 + timedelta(seconds=30))
    assert refused.value.message == "本章还需学习 90 秒才能完成。"
    progress = LessonProgress.objects.get()
    assert (
        progress.seconds_spent,
        progress.last_heartbeat_at,
        progress.end_reached_at,
        progress.completed_at,
    ) == (
        0,
        T0,
        None,
        None,
    )
    assert StudyHoursEntry.objects.count() == 0


def test_heartbeat_is_a_handful_of_statements(django_assert_max_num_queries):
    lesson = LessonFactory(min_study_seconds=600)
    user = UserFactory()
    lesson_heartbeat(lesson=lesson, user=user, now=T0)
    # savepoint, the person's row locked (one reading clock), the progress row locked, the latest
    # beat on another lesson, the update, release
    with django_assert_max_num_queries(6):
        lesson_heartbeat(lesson=lesson, user=user, now=T0 + timedelta(seconds=15))
