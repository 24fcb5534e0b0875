"""A question file without 解析, 法条依据 or 难度 leaves the bank's values of them as they are."""

from __future__ import annotations

import io

import pytest

from common.spreadsheets import csv_bytes
from exams.models import Question
from tests.conftest import token_client
from tests.factories import AdminFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def upload(client, content: bytes):
    file = io.BytesIO(content)
    file.name = "questions.csv"
    return client.post("/api/v1/questions/import/", {"file": file}, format="multipart")


def test_an_import_without_the_optional_columns_keeps_explanation_law_reference_and_difficulty():
    # given
    question = QuestionFactory(
        stem="宪法规定，国家实行（　）。",
        explanation="宪法第五条。",
        law_reference="《中华人民共和国宪法》第五条",
        difficulty=5,
    )
    content = csv_bytes(
        ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类"],
        [["单选", question.stem, "甲", "乙", "丙", "丁", "B", question.category]],
    )
    # when
    response = upload(token_client(AdminFactory()), content)
    # then
    assert response.status_code == 201, response.json()
    question.refresh_from_db()
    assert [option["text"] for option in question.options] == ["甲", "乙", "丙", "丁"]
    assert (question.explanation, question.law_reference, question.difficulty) == (
        "宪法第五条。",
        "《中华人民共和国宪法》第五条",
        5,
    )
    assert Question.objects.count() == 1
