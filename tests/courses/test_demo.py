from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses import demo
from courses.models import (
    ActivityAttendance,
    ActivityKind,
    Course,
    LawArea,
    Lesson,
    StudyActivity,
    StudyHoursEntry,
    StudyPlan,
)
from courses.selectors import personal_plan, pre_meeting_check
from exams import demo as exams_demo
from exams.models import Exam, ExamKind
from people import demo as people_demo
from people.models import User

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def counts():
    return [
        model.objects.count()
        for model in (Course, Lesson, StudyPlan, StudyActivity, ActivityAttendance, StudyHoursEntry, Exam)
    ]


def test_demo_seeds_courses_plans_and_a_year_of_activities_and_a_second_run_changes_nothing():
    people_demo.seed()
    exams_demo.seed(now=NOW)
    demo.seed(now=NOW)
    first = counts()
    demo.seed(now=NOW)
    assert counts() == first

    assert sorted(Course.objects.values_list("law_area", flat=True)) == sorted(
        [
            LawArea.CONSTITUTION,
            LawArea.CIVIL_CODE,
            LawArea.INFORMATION_DISCLOSURE,
            LawArea.ADMINISTRATIVE_PENALTY,
        ]
    )
    assert Lesson.objects.count() == 16
    constitution = Course.objects.get(law_area=LawArea.CONSTITUTION)
    assert (constitution.quiz.title, constitution.quiz.kind, constitution.quiz_required) == (
        "宪法课程结课测验",
        ExamKind.PRACTICE,
        True,
    )
    assert (
        "> 第五条 中华人民共和国实行依法治国，建设社会主义法治国家。"
        in constitution.lessons.get(position=2).body
    )

    # Twelve months up to November 2026, August without its 会前学法.
    months_2026 = pre_meeting_check(year=2026, today=NOW.date())
    assert [month.month for month in months_2026 if month.state == "missing"] == [8]
    assert [month.month for month in months_2026 if month.state == "future"] == [12]
    assert pre_meeting_check(year=2025, today=NOW.date())[11].held
    assert StudyActivity.objects.filter(kind=ActivityKind.LECTURE).count() == 4
    assert StudyActivity.objects.filter(kind=ActivityKind.OUTREACH).count() == 3

    # Every plan requires the Constitution; 张伟 (城建监察支队/一大队) is in both plans and has hours.
    zhangwei = User.objects.get(username="zhangwei")
    plan = personal_plan(person=zhangwei, year=2026, today=NOW.date())
    assert len(plan.plans) == 2
    assert constitution in [item.course for item in plan.required_courses]
    assert plan.hours_earned > 0


def test_without_the_exam_bank_the_constitution_course_gets_no_quiz():
    people_demo.seed()
    demo.seed(now=NOW)
    assert Course.objects.get(law_area=LawArea.CONSTITUTION).quiz is None
    assert Exam.objects.count() == 0


def test_the_demo_constitution_quiz_is_not_listed_in_practice(client):
    people_demo.seed()
    exams_demo.seed(now=NOW)
    demo.seed(now=NOW)
    quiz = Course.objects.get(law_area=LawArea.CONSTITUTION).quiz
    assert quiz.listed_in_practice is False

    client.force_login(User.objects.get(username="zhangwei"))
    page = client.get(reverse("exams:practice")).content.decode()

    assert f'id="practice-{quiz.pk}"' not in page
    assert "宪法课程结课测验" not in page
    practice = Exam.objects.get(title="法律知识练习")
    assert f'id="practice-{practice.pk}"' in page
