"""Exams in the workspace: create with blueprint rules (bank counts beside each rule), edit, and the
service's refusals shown on the form with nothing changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from exams import services
from exams.models import Exam, ExamRule, QuestionKind
from tests.factories import AdminFactory, ExamFactory, ExamSessionFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def exam_post(**overrides) -> dict:
    data = {
        "title": "宪法专题考试",
        "kind": "annual",
        "duration_minutes": "30",
        "pass_score": "6",
        "max_attempts": "1",
        "review_policy": "after_close",
        "shuffle_options": "on",
        "rules-TOTAL_FORMS": "3",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-kind": "single",
        "rules-0-category": "宪法",
        "rules-0-count": "3",
        "rules-0-points": "2",
        "rules-1-kind": "judge",
        "rules-1-category": "",
        "rules-1-count": "2",
        "rules-1-points": "1",
        "rules-2-kind": "",
    }
    data.update(overrides)
    return data


def test_creating_an_exam_with_its_rules(client):
    client.force_login(AdminFactory())
    response = client.post("/manage/exams/new/", exam_post())
    exam = Exam.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/exams/{exam.pk}/"
    assert (exam.title, exam.kind, exam.max_score, exam.pass_score) == ("宪法专题考试", "annual", 8, 6)
    assert [(r.kind, r.category, r.count, r.points) for r in exam.rules.all()] == [
        ("single", "宪法", 3, 2),
        ("judge", "", 2, 1),
    ]


def test_each_rule_shows_the_bank_count_of_its_kind_and_law_area(client):
    # given: 2 single 宪法, 1 single 民法典, 1 judge 宪法 (and a retired single 宪法)
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.SINGLE, category="民法典")
    QuestionFactory(kind=QuestionKind.JUDGE)
    QuestionFactory(kind=QuestionKind.SINGLE, is_active=False)
    exam = ExamFactory(
        rules=[
            services.RuleIn(kind="single", category="宪法", count=3, points=2),
            services.RuleIn(kind="single", count=1, points=2),
            services.RuleIn(kind="judge", category="民法典", count=1, points=1),
        ]
    )
    client.force_login(AdminFactory())
    # when
    html = client.get(f"/manage/exams/{exam.pk}/").content.decode()
    # then
    available = re.findall(r'class="num available">(?:<span class="error">)?(\d+|—)', html)
    assert available == ["2", "3", "0", "—", "—"]
    assert "题库不足" in html


def test_a_refused_exam_names_the_field_and_changes_nothing(client):
    # given
    exam = ExamFactory(title="原来的名称")
    before = (list(Exam.objects.values()), list(ExamRule.objects.values()))
    client.force_login(AdminFactory())
    # when: a pass score above the maximum, and a rule of a law area that does not exist
    too_high = client.post(f"/manage/exams/{exam.pk}/", exam_post(title="新名称", pass_score="99"))
    unknown = client.post(f"/manage/exams/{exam.pk}/", exam_post(**{"rules-0-category": "不存在"}))
    # then
    assert too_high.status_code == 400 and unknown.status_code == 400
    assert (
        'class="field-error"' in too_high.content.decode() or 'class="errorlist"' in too_high.content.decode()
    )
    assert (list(Exam.objects.values()), list(ExamRule.objects.values())) == before


def test_a_setting_locked_by_graded_attempts_is_refused_on_the_page(client):
    # given: a graded attempt of the exam
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.MULTIPLE)
    QuestionFactory(kind=QuestionKind.JUDGE)
    exam = ExamFactory(pass_score=5)
    session = ExamSessionFactory(exam=exam, opens_at=NOW - timedelta(hours=1))
    user = UserFactory()
    attempt = services.attempt_start(session_id=session.pk, candidate=user, now=NOW).attempt
    services.attempt_submit(attempt_id=attempt.pk, candidate=user, now=NOW)
    before = list(Exam.objects.values())
    client.force_login(AdminFactory())
    form = {
        "title": exam.title,
        "kind": exam.kind,
        "duration_minutes": exam.duration_minutes,
        "pass_score": "4",
        "max_attempts": exam.max_attempts,
        "review_policy": exam.review_policy,
        "shuffle_options": "on",
        "rules-TOTAL_FORMS": str(exam.rules.count()),
        "rules-INITIAL_FORMS": str(exam.rules.count()),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for n, rule in enumerate(exam.rules.all()):
        form.update(
            {
                f"rules-{n}-kind": rule.kind,
                f"rules-{n}-category": rule.category,
                f"rules-{n}-count": rule.count,
                f"rules-{n}-points": rule.points,
            }
        )
    # when
    response = client.post(f"/manage/exams/{exam.pk}/", form)
    # then
    assert response.status_code == 400
    assert (
        'class="field-error"' in response.content.decode() or 'class="errorlist"' in response.content.decode()
    )
    assert list(Exam.objects.values()) == before


def test_staff_may_not_create_or_edit_exams(client):
    exam = ExamFactory()
    before = list(Exam.objects.values())
    client.force_login(UserFactory())
    assert client.get("/manage/exams/").status_code == 403
    assert client.post("/manage/exams/new/", exam_post()).status_code == 403
    assert client.post(f"/manage/exams/{exam.pk}/", exam_post()).status_code == 403
    assert list(Exam.objects.values()) == before
