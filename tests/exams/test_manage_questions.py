"""The question bank in the workspace: filter, edit, retire, import with row errors, export, and
correcting a key with a preview of the regrade. Every refusal changes nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from common.spreadsheets import xlsx_bytes
from exams import services
from exams.bank_io import TEMPLATE_HEADERS
from exams.models import AnswerCorrection, Attempt, AttemptItem, Question, QuestionKind
from tests.factories import (
    AdminFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def ids_listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="question-(\d+)">', html)]


def test_the_bank_filters_by_law_area_kind_difficulty_status_and_text(admin_client):
    # given
    constitution = QuestionFactory(stem="宪法宣誓由谁主持？", difficulty=2)
    civil = QuestionFactory(stem="民法典总则编规定的诉讼时效期间为（　）。", category="民法典", difficulty=4)
    judge = QuestionFactory(kind=QuestionKind.JUDGE, stem="行政处罚应当公开。", category="行政处罚法")
    retired = QuestionFactory(stem="已停用的题", is_active=False)
    # when / then
    assert ids_listed(admin_client.get("/manage/questions/").content.decode()) == [
        constitution.pk,
        civil.pk,
        judge.pk,
        retired.pk,
    ]
    assert ids_listed(admin_client.get("/manage/questions/", {"category": "民法典"}).content.decode()) == [
        civil.pk
    ]
    assert ids_listed(admin_client.get("/manage/questions/", {"kind": "judge"}).content.decode()) == [
        judge.pk
    ]
    assert ids_listed(admin_client.get("/manage/questions/", {"difficulty": "2"}).content.decode()) == [
        constitution.pk
    ]
    assert ids_listed(admin_client.get("/manage/questions/", {"search": "宣誓"}).content.decode()) == [
        constitution.pk
    ]
    assert ids_listed(admin_client.get("/manage/questions/", {"status": "retired"}).content.decode()) == [
        retired.pk
    ]


def test_retiring_and_reusing_a_question(admin_client):
    question = QuestionFactory()
    admin_client.post(f"/manage/questions/{question.pk}/retire/")
    assert Question.objects.get(pk=question.pk).is_active is False
    admin_client.post(f"/manage/questions/{question.pk}/retire/", {"active": "1"})
    assert Question.objects.get(pk=question.pk).is_active is True


def test_staff_may_not_retire_edit_import_or_correct_and_nothing_changes(client):
    # given
    question = QuestionFactory()
    before = list(Question.objects.values())
    client.force_login(UserFactory())
    # when
    codes = [
        client.post(f"/manage/questions/{question.pk}/retire/").status_code,
        client.post(f"/manage/questions/{question.pk}/", {"stem": "改"}).status_code,
        client.post(f"/manage/questions/{question.pk}/correct/", {"answer": "C", "reason": "r"}).status_code,
        client.post("/manage/questions/new/", {"kind": "judge", "stem": "新题"}).status_code,
        client.post("/manage/questions/import/").status_code,
        client.get("/manage/questions/").status_code,
        client.get("/manage/questions/", {"format": "xlsx"}).status_code,
    ]
    # then
    assert codes == [403] * 7
    assert list(Question.objects.values()) == before
    assert AnswerCorrection.objects.count() == 0


def form_of(question: Question, **changes) -> dict:
    data = {
        "kind": question.kind,
        "stem": question.stem,
        "answer": "".join(question.answer),
        "explanation": question.explanation,
        "law_reference": question.law_reference,
        "category": question.category,
        "difficulty": question.difficulty,
        "is_active": "on",
    }
    for option in question.options:
        data[f"option_{option['key']}"] = option["text"]
    data.update(changes)
    return data


def test_editing_a_question_saves_it_and_a_bad_edit_names_the_field_and_changes_nothing(admin_client):
    # given
    question = QuestionFactory()
    before = list(Question.objects.values())
    # when
    refused = admin_client.post(f"/manage/questions/{question.pk}/", form_of(question, answer="E"))
    unchanged = list(Question.objects.values())
    saved = admin_client.post(
        f"/manage/questions/{question.pk}/", form_of(question, stem="修改后的题干（　）。", option_D="选项丁")
    )
    # then
    assert refused.status_code == 400
    errors = re.search(
        r'<div class="field" id="field-answer">.*?</div>', refused.content.decode(), re.S
    ).group(0)
    assert "不是该题的选项" in errors
    assert unchanged == before
    assert saved.status_code == 302
    question.refresh_from_db()
    assert question.stem == "修改后的题干（　）。"
    assert question.options[3] == {"key": "D", "text": "选项丁"}


def test_adding_a_question_warns_when_the_explanation_points_at_options_by_place(admin_client):
    response = admin_client.post(
        "/manage/questions/new/",
        {
            "kind": "single",
            "stem": "下列属于行政处罚种类的是（　）。",
            "option_A": "警告",
            "option_B": "记过",
            "answer": "A",
            "explanation": "前一项是行政处罚。",
            "category": "行政处罚法",
            "difficulty": "2",
            "is_active": "on",
        },
        follow=True,
    )
    question = Question.objects.get()
    assert question.options == [{"key": "A", "text": "警告"}, {"key": "B", "text": "记过"}]
    assert "解析按位置指代选项" in response.content.decode()


def test_import_lists_every_bad_row_and_imports_nothing_then_a_good_file_imports(admin_client):
    # given
    good = ["判断", "宪法是国家的根本法。", "", "", "", "", "", "", "", "", "正确", "", "", "宪法", "1"]
    no_answer = ["单选", "缺少答案的题", "甲", "乙", "", "", "", "", "", "", "", "", "", "宪法", "1"]
    unknown_area = [
        "单选",
        "领域不存在的题",
        "甲",
        "乙",
        "",
        "",
        "",
        "",
        "",
        "",
        "A",
        "",
        "",
        "不存在的领域",
        "1",
    ]
    upload = SimpleUploadedFile("bank.xlsx", xlsx_bytes(TEMPLATE_HEADERS, [good, no_answer, unknown_area]))
    # when
    refused = admin_client.post("/manage/questions/import/", {"file": upload})
    # then
    assert refused.status_code == 400
    rows = re.findall(
        r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", refused.content.decode()
    )
    assert [(row, column) for row, column, _message in rows] == [("3", "答案"), ("4", "分类")]
    assert Question.objects.count() == 0
    # when
    accepted = admin_client.post(
        "/manage/questions/import/",
        {"file": SimpleUploadedFile("bank.xlsx", xlsx_bytes(TEMPLATE_HEADERS, [good]))},
        follow=True,
    )
    # then
    assert "导入完成：新增 1 题" in accepted.content.decode()
    assert list(Question.objects.values_list("stem", flat=True)) == ["宪法是国家的根本法。"]


def test_export_gives_the_filtered_bank_in_the_template_format(admin_client):
    QuestionFactory(stem="宪法题")
    QuestionFactory(stem="民法典题", category="民法典")
    response = admin_client.get("/manage/questions/", {"category": "民法典", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADERS
    assert [row[1] for row in rows[1:]] == ["民法典题"]


def test_correcting_a_key_previews_the_regrade_then_regrades_and_a_refusal_changes_nothing(admin_client):
    # given: one single question (key B) in two submitted papers: one answered B, one answered C
    question = QuestionFactory(kind=QuestionKind.SINGLE)
    exam = ExamFactory(
        rules=[RuleIn(kind=QuestionKind.SINGLE, count=1, points=2)], pass_score=2, max_attempts=1
    )
    session = ExamSessionFactory(exam=exam, opens_at=NOW - timedelta(hours=1))
    scores = {}
    for keys in (["B"], ["C"]):
        user = UserFactory()
        attempt = services.attempt_start(session_id=session.pk, candidate=user, now=NOW).attempt
        item = AttemptItem.objects.get(attempt=attempt)
        services.attempt_answers_save(
            attempt_id=attempt.pk,
            candidate=user,
            answers=[services.AnswerIn(item=item.pk, keys=keys)],
            now=NOW,
        )
        services.attempt_submit(attempt_id=attempt.pk, candidate=user, now=NOW)
        scores[keys[0]] = attempt.pk
    # when
    preview = admin_client.get(f"/manage/questions/{question.pk}/correct/", {"answer": "C"}).content.decode()
    # then: the preview changed nothing
    assert "将重新评分 2 份已交答卷，其中 2 份成绩会改变。" in preview
    assert f"答卷 {scores['B']}：2.0 → 0.0" in preview and "改为未通过" in preview
    assert f"答卷 {scores['C']}：0.0 → 2.0" in preview and "改为通过" in preview
    assert Question.objects.get(pk=question.pk).answer == ["B"]
    assert Attempt.objects.get(pk=scores["B"]).score == Decimal("2.0")
    # when: the same key, and no reason, are refused
    same = admin_client.post(f"/manage/questions/{question.pk}/correct/", {"answer": "B", "reason": "核对"})
    no_reason = admin_client.post(f"/manage/questions/{question.pk}/correct/", {"answer": "C", "reason": ""})
    # then
    assert same.status_code == 400 and "新答案与原答案相同。" in same.content.decode()
    assert no_reason.status_code == 400 and "请填写更正原因。" in no_reason.content.decode()
    assert AnswerCorrection.objects.count() == 0
    assert Question.objects.get(pk=question.pk).answer == ["B"]
    # when
    done = admin_client.post(
        f"/manage/questions/{question.pk}/correct/", {"answer": "C", "reason": "原答案有误"}, follow=True
    )
    # then
    assert "已更正答案：重新评分 2 份答卷，2 份成绩有变化。" in done.content.decode()
    assert Attempt.objects.get(pk=scores["B"]).score == Decimal("0.0")
    assert Attempt.objects.get(pk=scores["C"]).score == Decimal("2.0")
    assert AnswerCorrection.objects.get().reason == "原答案有误"
