"""A lesson's minimum study time follows its length (a reading speed), bounded by the editor's value."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses.models import LessonProgress
from courses.reading import lesson_characters, lesson_required_seconds
from courses.services import LessonNotFinished, lesson_complete, lesson_heartbeat
from tests.conftest import token_client
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_short_lesson_needs_its_reading_time_not_the_editors_upper_bound():
    lesson = LessonFactory(body="宪法是国家的根本法。" * 10, articles="", min_study_seconds=240)

    assert lesson_characters(lesson) == 100
    assert lesson_required_seconds(lesson) == 20


def test_a_lesson_that_fits_on_a_screen_still_needs_a_few_seconds():
    lesson = LessonFactory(body="# 标题\n\n- 第一条", articles="", min_study_seconds=240)

    assert lesson_characters(lesson) == 5
    assert lesson_required_seconds(lesson) == 15


def test_a_long_lesson_needs_no_more_than_the_editors_upper_bound():
    lesson = LessonFactory(body="法" * 3000, articles="", min_study_seconds=240)

    assert lesson_required_seconds(lesson) == 240


def test_completion_follows_the_derived_time():
    person = UserFactory()
    lesson = LessonFactory(body="宪法是国家的根本法。" * 10, articles="", min_study_seconds=240)
    lesson_heartbeat(lesson=lesson, user=person, now=NOW)
    lesson_heartbeat(lesson=lesson, user=person, now=NOW + timedelta(seconds=15))

    with pytest.raises(LessonNotFinished, match="本章还需学习 5 秒才能完成。"):
        lesson_complete(lesson=lesson, user=person, now=NOW + timedelta(seconds=15))
    assert LessonProgress.objects.get(user=person, lesson=lesson).completed_at is None

    done = lesson_complete(lesson=lesson, user=person, now=NOW + timedelta(seconds=20))

    assert done.progress.completed_at == NOW + timedelta(seconds=20)
    assert done.progress.seconds_spent == 20


def test_the_api_gives_the_derived_time():
    lesson = LessonFactory(body="宪法是国家的根本法。" * 10, articles="", min_study_seconds=240)

    response = token_client(UserFactory()).get(f"/api/v1/lessons/{lesson.pk}/")

    assert response.status_code == 200
    assert response.json()["min_study_seconds"] == 20
