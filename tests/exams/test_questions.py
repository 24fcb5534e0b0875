"""The question bank: rules of a question, the API, and correcting a key with a regrade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from common.errors import ValidationFailed
from exams import services
from exams.models import AnswerCorrection, Attempt, AttemptItem, Question, QuestionKind
from tests.conftest import token_client
from tests.exams.conftest import correct_payload, field_named
from tests.factories import (
    AdminFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FOUR = [{"key": k, "text": f"选项{k}"} for k in "ABCD"]


def payload(**overrides):
    return {
        "kind": "single",
        "stem": "宪法规定，中华人民共和国实行（　）。",
        "options": FOUR,
        "answer": ["B"],
        "explanation": "宪法第五条。",
        "law_reference": "《中华人民共和国宪法》第五条",
        "category": "宪法",
        "difficulty": 2,
        **overrides,
    }


def test_admin_creates_a_question_and_reads_it_back():
    client = token_client(AdminFactory())

    response = client.post("/api/v1/questions/", payload(), format="json")

    assert response.status_code == 201
    question = Question.objects.get()
    body = response.json()
    assert body == {
        "id": question.id,
        "kind": "single",
        "stem": "宪法规定，中华人民共和国实行（　）。",
        "options": FOUR,
        "answer": ["B"],
        "explanation": "宪法第五条。",
        "law_reference": "《中华人民共和国宪法》第五条",
        "category": "宪法",
        "difficulty": 2,
        "is_active": True,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert client.get(f"/api/v1/questions/{question.id}/").json() == body


def test_a_judge_question_without_options_gets_true_and_false():
    response = token_client(AdminFactory()).post(
        "/api/v1/questions/", payload(kind="judge", options=[], answer=["F"]), format="json"
    )

    assert response.status_code == 201
    assert response.json()["options"] == [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
    assert response.json()["answer"] == ["F"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"answer": ["A", "B"]}, "answer", "单选题必须恰好有一个正确答案。"),
        ({"kind": "multiple", "answer": ["A"]}, "answer", "多选题至少要有两个正确答案。"),
        ({"kind": "judge", "options": [], "answer": ["T", "F"]}, "answer", "判断题必须恰好有一个正确答案。"),
        ({"answer": ["E"]}, "answer", "答案中的“E”不是该题的选项。"),
        ({"options": [{"key": "A", "text": "x"}]}, "options", "选择题至少要有两个选项。"),
        (
            {"options": [{"key": "A", "text": "x"}, {"key": "I", "text": "y"}], "answer": ["A"]},
            "options",
            "选项的键只能是 A–H，而不是“I”。",
        ),
        (
            {"options": [{"key": "A", "text": "x"}, {"key": "A", "text": "y"}], "answer": ["A"]},
            "options",
            "选项的键不能重复。",
        ),
        (
            {"kind": "judge", "options": FOUR, "answer": ["A"]},
            "options",
            "判断题的选项只能是 T（正确）和 F（错误）。",
        ),
        ({"stem": "   "}, "stem", "stem: 该字段不能为空。"),
    ],
)
def test_a_question_that_breaks_a_rule_is_refused_with_a_clear_message_and_nothing_is_stored(
    overrides, field, message
):
    response = token_client(AdminFactory()).post("/api/v1/questions/", payload(**overrides), format="json")

    assert response.status_code == 400
    body = response.json()
    assert (field_named(body), body["detail"]) == (field, message)
    assert Question.objects.count() == 0


def test_an_unknown_category_is_refused_by_the_service_too():
    with pytest.raises(ValidationFailed) as refused:
        services.question_create(data=services.QuestionIn(**{**payload(), "category": "刑法"}))
    assert refused.value.field == "category"
    assert Question.objects.count() == 0


def test_a_second_question_with_the_same_kind_and_stem_is_refused():
    client = token_client(AdminFactory())
    first = client.post("/api/v1/questions/", payload(), format="json").json()

    response = client.post(
        "/api/v1/questions/", payload(stem="宪法规定，中华人民共和国实行（　）。 "), format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == f"题库中已有题干相同的同类题（编号 {first['id']}）。"
    assert Question.objects.count() == 1


def test_patch_edits_a_question_and_keeps_the_rules():
    question = QuestionFactory()
    client = token_client(AdminFactory())

    edited = client.patch(
        f"/api/v1/questions/{question.id}/", {"difficulty": 5, "is_active": False}, format="json"
    )
    refused = client.patch(f"/api/v1/questions/{question.id}/", {"answer": ["A", "B"]}, format="json")

    assert edited.status_code == 200
    assert (edited.json()["difficulty"], edited.json()["is_active"]) == (5, False)
    assert refused.status_code == 400
    question.refresh_from_db()
    assert (question.difficulty, question.is_active, question.answer) == (5, False, ["B"])


def test_the_bank_is_for_administrators_only():
    question = QuestionFactory()
    staff = token_client(UserFactory())

    assert staff.get("/api/v1/questions/").status_code == 403
    assert staff.get(f"/api/v1/questions/{question.id}/").status_code == 403
    assert staff.post("/api/v1/questions/", payload(stem="另一题"), format="json").status_code == 403
    assert (
        staff.patch(f"/api/v1/questions/{question.id}/", {"difficulty": 1}, format="json").status_code == 403
    )
    assert (
        staff.post(
            f"/api/v1/questions/{question.id}/correct-answer/",
            {"answer": ["A"], "reason": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert Question.objects.get().difficulty == 3


def test_list_filters_by_kind_category_and_activity():
    QuestionFactory(kind=QuestionKind.JUDGE)
    civil = QuestionFactory(category="民法典")
    QuestionFactory(is_active=False)
    client = token_client(AdminFactory())

    assert client.get("/api/v1/questions/?kind=judge").json()["count"] == 1
    assert [q["id"] for q in client.get("/api/v1/questions/?category=民法典").json()["results"]] == [civil.id]
    assert client.get("/api/v1/questions/?is_active=false").json()["count"] == 1
    assert client.get("/api/v1/questions/").json()["count"] == 3


def test_editing_through_the_api_is_audited():
    question = QuestionFactory()
    admin = AdminFactory()

    token_client(admin).patch(f"/api/v1/questions/{question.id}/", {"difficulty": 4}, format="json")

    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Question),
        object_id=question.id,
        action=LogEntry.Action.UPDATE,
    )
    assert entry.actor == admin
    assert entry.changes_dict["difficulty"] == ["3", "4"]


# Correcting a key


def test_correcting_a_key_regrades_submitted_attempts_and_records_who_when_why():
    target = QuestionFactory(kind=QuestionKind.SINGLE)
    exam = ExamFactory(pass_score=2, rules=[RuleIn(kind=QuestionKind.SINGLE, count=1, points=2)])
    session = ExamSessionFactory(exam=exam)
    right, wrong, pending = UserFactory(), UserFactory(), UserFactory()
    attempts = {}
    for user, keys in ((right, ["B"]), (wrong, ["C"])):
        result = services.attempt_start(session_id=session.pk, candidate=user, now=session.opens_at)
        services.attempt_answers_save(
            attempt_id=result.attempt.pk,
            candidate=user,
            answers=[services.AnswerIn(item=result.items[0].id, keys=keys)],
            now=session.opens_at,
        )
        services.attempt_submit(attempt_id=result.attempt.pk, candidate=user, now=session.opens_at)
        attempts[user.pk] = result.attempt.pk
    in_progress = services.attempt_start(session_id=session.pk, candidate=pending, now=session.opens_at)
    admin = AdminFactory()

    response = token_client(admin).post(
        f"/api/v1/questions/{target.id}/correct-answer/",
        {"answer": ["C"], "reason": "答案录入错误，依据宪法第五条应为 C"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    correction = AnswerCorrection.objects.get()
    assert (correction.actor, correction.old_answer, correction.new_answer) == (admin, ["B"], ["C"])
    assert (correction.items_changed, correction.attempts_regraded) == (3, 2)
    assert correction.reason == "答案录入错误，依据宪法第五条应为 C"
    assert sorted(correction.score_changes, key=lambda c: c["attempt"]) == [
        {
            "attempt": attempts[right.pk],
            "candidate": right.pk,
            "before": "2.0",
            "after": "0.0",
            "passed_before": True,
            "passed_after": False,
        },
        {
            "attempt": attempts[wrong.pk],
            "candidate": wrong.pk,
            "before": "0.0",
            "after": "2.0",
            "passed_before": False,
            "passed_after": True,
        },
    ]
    assert response.json()["id"] == correction.id
    graded = {a.candidate_id: (a.score, a.passed) for a in Attempt.objects.filter(status="submitted")}
    assert graded == {right.pk: (Decimal("0.0"), False), wrong.pk: (Decimal("2.0"), True)}
    assert Question.objects.get(pk=target.pk).answer == ["C"]
    assert AttemptItem.objects.get(attempt=in_progress.attempt).correct == ["C"]
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Attempt))
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(attempts.values())
    assert all(entry.actor == admin and entry.additional_data["reason"] for entry in entries)

    services.attempt_answers_save(
        attempt_id=in_progress.attempt.pk,
        candidate=pending,
        answers=[services.AnswerIn(item=in_progress.items[0].id, keys=["C"])],
        now=session.opens_at,
    )
    result = services.attempt_submit(
        attempt_id=in_progress.attempt.pk, candidate=pending, now=session.opens_at
    )
    assert (result.score, result.passed) == (Decimal(2), True)


def test_a_correction_that_breaks_the_rules_or_changes_nothing_is_refused_and_changes_nothing():
    question = QuestionFactory()
    client = token_client(AdminFactory())
    url = f"/api/v1/questions/{question.id}/correct-answer/"

    same = client.post(url, {"answer": ["B"], "reason": "复核"}, format="json")
    two = client.post(url, {"answer": ["A", "B"], "reason": "复核"}, format="json")
    no_reason = client.post(url, {"answer": ["A"], "reason": " "}, format="json")

    assert (same.status_code, same.json()["detail"]) == (400, "新答案与原答案相同。")
    assert (two.status_code, two.json()["detail"]) == (400, "单选题必须恰好有一个正确答案。")
    assert no_reason.status_code == 400
    assert AnswerCorrection.objects.count() == 0
    assert Question.objects.get().answer == ["B"]


def test_correcting_a_key_leaves_papers_drawn_before_graded_as_they_now_should_be():
    QuestionFactory.create_batch(2)
    exam = ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=2, points=1)])
    session = ExamSessionFactory(exam=exam)
    user = UserFactory()
    result = services.attempt_start(session_id=session.pk, candidate=user, now=session.opens_at)
    answers = [services.AnswerIn(item=a["item"], keys=a["keys"]) for a in correct_payload(result.attempt.pk)]
    services.attempt_answers_save(
        attempt_id=result.attempt.pk, candidate=user, answers=answers, now=session.opens_at
    )
    services.attempt_submit(attempt_id=result.attempt.pk, candidate=user, now=session.opens_at)
    first_question = Question.objects.get(pk=AttemptItem.objects.get(pk=result.items[0].id).question_id)

    services.question_correct_answer(question=first_question, answer=["D"], reason="更正", actor=None)

    attempt = Attempt.objects.get()
    assert (attempt.score, attempt.passed) == (Decimal("1.0"), True)
    assert list(AttemptItem.objects.order_by("position").values_list("earned", flat=True)) == [
        Decimal("0.0"),
        Decimal("1.0"),
    ]
