"""Explanations that point at options by their place are flagged (each candidate sees the options shuffled)."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from common.spreadsheets import xlsx_bytes
from exams.demo import QUESTIONS_FILE
from exams.models import Question
from exams.services import QuestionIn, question_warnings
from tests.conftest import token_client
from tests.exams.test_bank_io import GOOD_ROWS, HEADERS, upload
from tests.factories import AdminFactory, UserFactory

EXPLANATION = HEADERS.index("解析")


@pytest.mark.parametrize(
    ("explanation", "words"),
    [
        ("第二十条列举了应当主动公开的信息，包括前四项。", "前四项"),
        ("后两项属于可撤销情形。", "后两项"),
        ("第一百四十四条等分别规定前三种行为无效。", "前三种"),
        ("以上选项均符合第九条。", "以上选项"),
        ("其余各项均为行政处罚。", "其余各项"),
        ("选项 B 错在期限。", "选项 B"),
        ("第二个选项错在期限。", "第二个选项"),
    ],
)
def test_an_explanation_naming_options_by_place_is_flagged_with_the_words(explanation, words):
    warnings = question_warnings(QuestionIn(kind="single", stem="题干", explanation=explanation))

    assert len(warnings) == 1
    field, message = warnings[0]
    assert field == "explanation"
    assert f"“{words}”" in message


@pytest.mark.parametrize(
    "explanation",
    [
        "行政复议法第二十三条第一款第四项规定应当先申请行政复议。",
        "前款规定的期限届满后，不得再提起诉讼。",
        "诉讼时效期间的最后六个月内，因不可抗力不能行使请求权的，诉讼时效中止。",
        "处三年以上七年以下有期徒刑。",
        "",
    ],
)
def test_law_references_and_ordinary_words_are_not_flagged(explanation):
    assert question_warnings(QuestionIn(kind="single", stem="题干", explanation=explanation)) == []


def test_no_explanation_of_the_demo_bank_names_options_by_place():
    questions = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))

    flagged = [
        index
        for index, question in enumerate(questions)
        if question_warnings(QuestionIn(kind=question["kind"], stem="", explanation=question["explanation"]))
    ]

    assert len(questions) == 178
    assert flagged == []


@pytest.mark.django_db
def test_the_import_imports_and_warns_naming_the_row_and_the_column():
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][EXPLANATION] = "第九条规定了前三项。"

    response = upload(token_client(AdminFactory()), "bank.xlsx", xlsx_bytes(HEADERS, rows))

    assert response.status_code == 201
    assert response.json()["created"] == 3
    assert response.json()["warnings"] == [
        {
            "row": 3,
            "field": "解析",
            "message": "解析按位置指代选项（“前三项”）：考生看到的选项顺序各不相同，请改为写出选项内容。",
        }
    ]
    assert Question.objects.get(kind="multiple").explanation == "第九条规定了前三项。"


@pytest.mark.django_db
def test_a_clean_import_has_no_warnings():
    response = upload(token_client(AdminFactory()), "bank.xlsx", xlsx_bytes(HEADERS, GOOD_ROWS))

    assert response.status_code == 201
    assert response.json()["warnings"] == []


@pytest.mark.django_db
def test_the_admin_editor_saves_and_warns(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {
        "kind": "multiple",
        "stem": "下列属于行政处罚的有（　）。",
        "options": '[{"key": "A", "text": "警告"}, {"key": "B", "text": "罚款"}, {"key": "C", "text": "记过"}]',
        "answer": '["A", "B"]',
        "explanation": "前两项是行政处罚。",
        "law_reference": "",
        "category": "行政处罚法",
        "difficulty": "3",
        "is_active": "on",
    }

    response = client.post(reverse("admin:exams_question_add"), data)

    assert response.status_code == 302
    assert Question.objects.get().explanation == "前两项是行政处罚。"
    assert [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"] == [
        "解析按位置指代选项（“前两项”）：考生看到的选项顺序各不相同，请改为写出选项内容。"
    ]
