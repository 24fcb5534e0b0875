"""The exam engine in the Django admin: every write goes through the services."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from common.spreadsheets import xlsx_bytes
from exams.models import AnswerCorrection, Attempt, Exam, ExamSession, Question, QuestionImport, QuestionKind
from tests.exams.conftest import graded_exam
from tests.exams.test_bank_io import GOOD_ROWS, HEADERS
from tests.factories import ExamFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client


def test_the_question_list_links_import_and_template_and_the_upload_imports(admin_client):
    changelist = admin_client.get(reverse("admin:exams_question_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:exams_question_import").encode() in changelist.content

    template = admin_client.get(reverse("admin:exams_question_template", args=["csv"]))
    assert template.status_code == 200
    assert template["Content-Type"] == "text/csv; charset=utf-8"

    upload = io.BytesIO(xlsx_bytes(HEADERS, GOOD_ROWS))
    upload.name = "bank.xlsx"
    response = admin_client.post(reverse("admin:exams_question_import"), {"file": upload})
    assert response.status_code == 302
    assert Question.objects.count() == 3
    assert QuestionImport.objects.get().filename == "bank.xlsx"


def test_a_bad_upload_shows_every_fault_and_imports_nothing(admin_client):
    upload = io.BytesIO(
        xlsx_bytes(
            HEADERS,
            [GOOD_ROWS[0], ["单选", "x", "a", "b", "", "", "", "", "", "", "AB", "", "", "宪法", "1"]],
        )
    )
    upload.name = "bank.xlsx"

    response = admin_client.post(reverse("admin:exams_question_import"), {"file": upload})

    assert response.status_code == 200
    assert "单选题必须恰好有一个正确答案。".encode() in response.content
    assert Question.objects.count() == 0


def test_adding_a_question_checks_its_rules(admin_client):
    url = reverse("admin:exams_question_add")
    data = {
        "kind": "multiple",
        "stem": "多选题",
        "options": '[{"key": "A", "text": "a"}, {"key": "B", "text": "b"}]',
        "answer": '["A"]',
        "explanation": "",
        "law_reference": "",
        "category": "宪法",
        "difficulty": "3",
        "is_active": "on",
    }

    refused = admin_client.post(url, data)
    accepted = admin_client.post(url, {**data, "answer": '["A", "B"]'})

    assert refused.status_code == 200
    assert "多选题至少要有两个正确答案。".encode() in refused.content
    assert accepted.status_code == 302
    assert Question.objects.get().answer == ["A", "B"]


def test_an_exam_with_inline_rules_gets_its_maximum_score_and_a_bad_pass_score_is_refused(admin_client):
    url = reverse("admin:exams_exam_add")
    data = {
        "title": "年度考试",
        "kind": "annual",
        "duration_minutes": "60",
        "pass_score": "6",
        "max_attempts": "1",
        "review_policy": "after_close",
        "shuffle_options": "on",
        "validity_years": "3",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-position": "1",
        "rules-0-kind": "single",
        "rules-0-category": "",
        "rules-0-count": "2",
        "rules-0-points": "2",
        "rules-1-position": "2",
        "rules-1-kind": "judge",
        "rules-1-category": "宪法",
        "rules-1-count": "4",
        "rules-1-points": "1",
    }

    refused = admin_client.post(url, {**data, "pass_score": "9"})
    accepted = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "及格分应在 1 到满分 8 之间。".encode() in refused.content
    assert accepted.status_code == 302
    exam = Exam.objects.get()
    assert (exam.max_score, exam.rules.count()) == (8, 2)


def test_a_session_the_bank_cannot_fill_is_refused_in_the_admin(admin_client):
    exam = ExamFactory()
    QuestionFactory(kind=QuestionKind.SINGLE)
    data = {
        "exam": exam.id,
        "title": "场次",
        "opens_at_0": "2026-03-02",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2026-03-09",
        "closes_at_1": "18:00:00",
        "enforcement_officers_only": "",
    }

    response = admin_client.post(reverse("admin:exams_examsession_add"), data)

    assert response.status_code == 200
    assert (
        "第 1 条规则（单选 · 宪法 · 2 题）：共需 2 道，题库中只有 1 道启用的题".encode() in response.content
    )
    assert ExamSession.objects.count() == 0


def test_attempts_are_read_only_in_the_admin(admin_client, bank):
    from exams import services
    from tests.factories import ExamSessionFactory

    session = ExamSessionFactory()
    result = services.attempt_start(session_id=session.pk, candidate=UserFactory(), now=session.opens_at)

    page = admin_client.get(reverse("admin:exams_attempt_change", args=[result.attempt.pk]))
    post = admin_client.post(reverse("admin:exams_attempt_change", args=[result.attempt.pk]), {"score": "99"})

    assert page.status_code == 200
    assert post.status_code == 403
    assert Attempt.objects.get().score is None


def test_the_admin_refuses_a_new_pass_score_once_an_attempt_is_submitted_and_changes_nothing(admin_client):
    exam = graded_exam(now=timezone.now())
    rules = list(exam.rules.order_by("position"))
    data = {
        "title": exam.title,
        "kind": exam.kind,
        "duration_minutes": str(exam.duration_minutes),
        "pass_score": "6",
        "max_attempts": str(exam.max_attempts),
        "review_policy": exam.review_policy,
        "shuffle_options": "on",
        "listed_in_practice": "on",
        "validity_years": str(exam.validity_years),
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(len(rules)),
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for n, rule in enumerate(rules):
        data |= {
            f"rules-{n}-id": str(rule.pk),
            f"rules-{n}-exam": str(exam.pk),
            f"rules-{n}-position": str(rule.position),
            f"rules-{n}-kind": rule.kind,
            f"rules-{n}-category": rule.category,
            f"rules-{n}-count": str(rule.count),
            f"rules-{n}-points": str(rule.points),
        }
    url = reverse("admin:exams_exam_change", args=[exam.pk])
    before = Exam.objects.values().get(pk=exam.pk)

    refused = admin_client.post(url, data)
    renamed = admin_client.post(url, {**data, "pass_score": "5", "title": "年度考试（改名）"})

    assert refused.status_code == 200
    assert (
        "本试卷已有考生交卷，不能再修改“及格分”：已评定的成绩和是否及格会与新设置不符。".encode()
        in refused.content
    )
    assert renamed.status_code == 302
    assert Exam.objects.values().get(pk=exam.pk) == {**before, "title": "年度考试（改名）"}


def test_imports_and_corrections_are_records_shown_read_only_in_the_admin(admin_client):
    from exams import services

    question = QuestionFactory()
    upload = io.BytesIO(xlsx_bytes(HEADERS, GOOD_ROWS))
    upload.name = "bank.xlsx"
    admin_client.post(reverse("admin:exams_question_import"), {"file": upload})
    correction = services.question_correct_answer(
        question=question, answer=["C"], reason="答案有误", actor=None
    )
    record = QuestionImport.objects.get()

    pages = [
        admin_client.get(reverse("admin:exams_questionimport_change", args=[record.pk])),
        admin_client.get(reverse("admin:exams_answercorrection_change", args=[correction.pk])),
    ]
    posts = [
        admin_client.post(reverse("admin:exams_questionimport_change", args=[record.pk]), {"filename": "x"}),
        admin_client.post(reverse("admin:exams_questionimport_add"), {"filename": "x"}),
        admin_client.post(reverse("admin:exams_answercorrection_add"), {"reason": "x"}),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert b"bank.xlsx" in pages[0].content and "答案有误".encode() in pages[1].content
    assert [post.status_code for post in posts] == [403, 403, 403]
    assert QuestionImport.objects.get().filename == "bank.xlsx"
    assert AnswerCorrection.objects.count() == 1


def test_the_import_page_speaks_english_to_who_chose_it(admin_client):
    admin_client.cookies["django_language"] = "en"

    page = admin_client.get(reverse("admin:exams_question_import")).content.decode()

    assert "importing the same file again changes nothing" in page
    assert f'<a href="{reverse("admin:exams_question_template", args=["xlsx"])}">' in page
    assert "重复导入同一文件不会产生变化" not in page
