"""Review per policy, the 错题本, practice, and the administrators' board and extra time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from exams import services
from exams.models import (
    SAVE_GRACE,
    Attempt,
    AttemptExtraTime,
    AttemptItem,
    AttemptStatus,
    ExamSession,
    QuestionKind,
)
from exams.services import question_set_active
from tests.conftest import token_client
from tests.exams.conftest import correct_payload
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def session_for(policy, **exam_fields):
    if policy == "after_submit" and exam_fields.get("kind", "annual") != "practice":
        exam_fields.setdefault("max_attempts", 1)  # no retake may follow a review of the keys
    return ExamSessionFactory(
        exam=ExamFactory(review_policy=policy, **exam_fields),
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(hours=3),
    )


def sit(client, session, *, wrong_positions=()):
    """Start, answer everything right except ``wrong_positions`` (left blank), submit."""
    body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    answers = [a for p, a in enumerate(correct_payload(body["id"]), start=1) if p not in wrong_positions]
    client.put(f"/api/v1/attempts/{body['id']}/answers/", {"answers": answers}, format="json")
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    return body


def test_after_submit_review_shows_keys_explanations_and_law_references_once_submitted(bank, travel):
    session = session_for("after_submit")
    client = token_client(UserFactory())
    body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    assert client.get(f"/api/v1/attempts/{body['id']}/review/").json()["code"] == "review_not_yet"
    answers = correct_payload(body["id"])[1:]
    client.put(f"/api/v1/attempts/{body['id']}/answers/", {"answers": answers}, format="json")
    client.post(f"/api/v1/attempts/{body['id']}/submit/")

    response = client.get(f"/api/v1/attempts/{body['id']}/review/")

    assert response.status_code == 200
    review = response.json()
    assert (review["id"], review["score"], review["max_score"], review["passed"]) == (
        body["id"],
        6.0,
        8,
        True,
    )
    first = AttemptItem.objects.get(pk=body["items"][0]["id"])
    assert review["items"][0] == {
        "id": first.id,
        "position": 1,
        "kind": "single",
        "stem": first.stem,
        "options": first.options,
        "points": 2,
        "your_keys": [],
        "correct_keys": ["B"],
        "earned": 0.0,
        "is_correct": False,
        "explanation": first.explanation,
        "law_reference": first.law_reference,
        "category": first.category,
        "withheld": False,
    }
    assert [item["is_correct"] for item in review["items"]] == [False, True, True, True]


def test_after_close_review_waits_for_the_session_to_close(bank, travel):
    session = session_for("after_close")
    client = token_client(UserFactory())
    body = sit(client, session)

    early = client.get(f"/api/v1/attempts/{body['id']}/review/")
    travel.move_to(session.closes_at)
    late = client.get(f"/api/v1/attempts/{body['id']}/review/")

    assert (early.status_code, early.json()["code"]) == (409, "review_not_yet")
    assert early.json()["detail"] == "本考试的全部场次结束后才能查看答案与解析。"
    assert late.status_code == 200
    assert len(late.json()["items"]) == 4


def test_mistakes_list_wrong_or_blank_answers_once_per_question_only_where_review_is_allowed(bank, travel):
    question_set_active(question_ids=[q.id for q in bank["civil"]], is_active=False)
    user = UserFactory()
    client = token_client(user)
    # One attempt each: once sat, no session can draw these questions for this person again (exams.live).
    open_review = session_for("after_submit")
    waiting = session_for("after_close", max_attempts=1)
    hidden = session_for("never", max_attempts=1)
    first = sit(client, open_review, wrong_positions=(1, 3))
    sit(client, waiting, wrong_positions=(4,))
    sit(client, hidden, wrong_positions=(2,))

    response = client.get("/api/v1/mistakes/")

    assert response.status_code == 200
    mistakes = response.json()
    wrong = [AttemptItem.objects.get(pk=first["items"][p - 1]["id"]) for p in (1, 3)]
    assert [m["question"] for m in mistakes] == [item.question_id for item in wrong]
    assert mistakes[0] == {
        "question": wrong[0].question_id,
        "kind": "single",
        "stem": wrong[0].stem,
        "options": wrong[0].options,
        "your_keys": [],
        "correct_keys": ["B"],
        "explanation": wrong[0].explanation,
        "law_reference": wrong[0].law_reference,
        "category": "宪法",
        "wrong_count": 1,
        "last_attempt": first["id"],
        "last_session_title": open_review.title,
        "last_submitted_at": "2026-03-02T09:00:00+08:00",
    }

    travel.move_to(waiting.closes_at)
    after_close = client.get("/api/v1/mistakes/").json()
    assert len(after_close) == 3
    assert client.get("/api/v1/mistakes/?category=民法典").json() == []
    assert len(client.get("/api/v1/mistakes/?category=宪法").json()) == 3
    assert token_client(UserFactory()).get("/api/v1/mistakes/").json() == []


def test_a_question_wrong_twice_appears_once_with_its_count(db, travel):
    question = QuestionFactory(kind=QuestionKind.SINGLE)
    session = session_for(
        "after_submit", kind="practice", pass_score=1, rules=[RuleIn(kind="single", count=1, points=1)]
    )
    client = token_client(UserFactory())
    sit(client, session, wrong_positions=(1,))
    second = sit(client, session, wrong_positions=(1,))

    mistakes = client.get("/api/v1/mistakes/").json()

    assert [(m["question"], m["wrong_count"], m["last_attempt"]) for m in mistakes] == [
        (question.id, 2, second["id"])
    ]


def test_mistakes_include_an_attempt_past_its_deadline_submitted_on_the_way(bank, travel):
    session = session_for("after_submit")
    client = token_client(UserFactory())
    body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    answers = correct_payload(body["id"])[1:]  # the first item left blank
    client.put(f"/api/v1/attempts/{body['id']}/answers/", {"answers": answers}, format="json")
    travel.move_to(NOW + timedelta(minutes=60) + SAVE_GRACE + timedelta(seconds=1))

    mistakes = client.get("/api/v1/mistakes/").json()

    first = AttemptItem.objects.get(pk=body["items"][0]["id"])
    assert [(m["question"], m["your_keys"], m["last_attempt"]) for m in mistakes] == [
        (first.question_id, [], body["id"])
    ]
    attempt = Attempt.objects.get(pk=body["id"])
    assert (attempt.status, attempt.auto_submitted, attempt.score) == ("submitted", True, Decimal("6.0"))


# Practice


def practice_exam():
    return ExamFactory(kind="practice", review_policy="after_submit", max_attempts=1, title="法律知识练习")


def test_practice_is_open_to_everyone_as_often_as_wanted_with_feedback_right_after_submit(bank, travel):
    exam = practice_exam()
    client = token_client(UserFactory(department=DepartmentFactory()))

    started = client.post("/api/v1/practice/", {"exam": exam.id}, format="json")
    resumed = client.post("/api/v1/practice/", {}, format="json")

    assert (started.status_code, resumed.status_code) == (201, 200)
    assert resumed.json()["id"] == started.json()["id"]
    session = ExamSession.objects.get()
    assert (session.exam_id, session.title, list(session.departments.all()), session.opens_at) == (
        exam.id,
        "法律知识练习",
        [],
        NOW,
    )
    attempt_id = started.json()["id"]
    submitted = client.post(f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert submitted["status"] == "submitted"
    assert client.get(f"/api/v1/attempts/{attempt_id}/review/").status_code == 200
    for number in (2, 3):
        again = client.post("/api/v1/practice/", {"exam": exam.id}, format="json")
        assert (again.status_code, again.json()["number"]) == (201, number)
        client.post(f"/api/v1/attempts/{again.json()['id']}/submit/")
    assert ExamSession.objects.count() == 1
    assert client.get("/api/v1/exam-sessions/").json()["results"][0]["my_status"]["attempts_left"] is None


def test_practice_never_starts_an_exam_kept_out_of_practice_unless_its_own_caller_asks(bank, travel):
    listed = practice_exam()
    quiz = ExamFactory(
        kind="practice", review_policy="after_submit", title="宪法结课测验", listed_in_practice=False
    )
    user = UserFactory()
    client = token_client(user)

    named = client.post("/api/v1/practice/", {"exam": quiz.id}, format="json")
    assert (named.status_code, named.json()) == (
        409,
        {"detail": "没有可用的练习卷。", "code": "no_practice_exam"},
    )
    assert (ExamSession.objects.count(), Attempt.objects.count()) == (0, 0)

    newest = client.post("/api/v1/practice/", {}, format="json")
    assert (newest.status_code, newest.json()["exam_title"]) == (201, listed.title)

    started = services.practice_start(candidate=user, exam_id=quiz.id, now=NOW, include_unlisted=True)
    assert (started.created, started.attempt.session.exam_id) == (True, quiz.id)


def test_practice_without_a_practice_exam_is_409(db):
    ExamFactory()
    response = token_client(UserFactory()).post("/api/v1/practice/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "no_practice_exam")


# Administrators: board and extra time


def test_the_board_counts_eligible_started_submitted_and_passed_people(bank, travel):
    division = DepartmentFactory()
    session = session_for("after_close", max_attempts=2, pass_score=8)
    session.departments.set([division])
    passer, failer, retrying, idle = (UserFactory(department=division, name=f"考生{n}") for n in range(4))
    UserFactory()  # outside the audience
    sit(token_client(passer), session)
    sit(token_client(failer), session, wrong_positions=(1,))
    retry_client = token_client(retrying)
    sit(retry_client, session, wrong_positions=(2,))
    in_progress = retry_client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    retry_client.put(
        f"/api/v1/attempts/{in_progress['id']}/answers/",
        {"answers": correct_payload(in_progress["id"])[:2]},
        format="json",
    )

    response = token_client(AdminFactory()).get(f"/api/v1/exam-sessions/{session.id}/board/")

    assert response.status_code == 200
    board = response.json()
    assert {k: board[k] for k in ("eligible", "started", "submitted", "passed", "in_progress")} == {
        "eligible": 4,
        "started": 3,
        "submitted": 3,
        "passed": 1,
        "in_progress": 1,
    }
    assert board["server_time"] == "2026-03-02T09:00:00+08:00"
    assert board["attempts_in_progress"] == [
        {
            "attempt": in_progress["id"],
            "candidate_id": retrying.id,
            "candidate_name": "考生2",
            "employee_no": retrying.employee_no,
            "department": division.name,
            "number": 2,
            "started_at": "2026-03-02T09:00:00+08:00",
            "deadline": "2026-03-02T10:00:00+08:00",
            "extra_minutes": 0,
            "answered": 2,
        }
    ]
    assert token_client(idle).get(f"/api/v1/exam-sessions/{session.id}/board/").status_code == 403


def test_extra_time_moves_one_deadline_and_records_who_when_why(bank, travel):
    session = session_for("after_close")
    candidate = UserFactory()
    client = token_client(candidate)
    body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    admin = AdminFactory()

    response = token_client(admin).post(
        f"/api/v1/attempts/{body['id']}/extra-time/", {"minutes": 15, "reason": "考生电脑故障"}, format="json"
    )

    assert response.status_code == 201, response.json()
    grant = AttemptExtraTime.objects.get()
    assert response.json() == {
        "id": grant.id,
        "attempt": body["id"],
        "minutes": 15,
        "reason": "考生电脑故障",
        "actor": admin.id,
        "created_at": "2026-03-02T09:00:00+08:00",
        "deadline_before": "2026-03-02T10:00:00+08:00",
        "deadline_after": "2026-03-02T10:15:00+08:00",
    }
    attempt = Attempt.objects.get()
    assert (attempt.deadline, attempt.extra_minutes) == (NOW + timedelta(minutes=75), 15)
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Attempt), object_id=attempt.id
    )
    assert entry.actor == admin
    assert entry.changes_dict["extra_minutes"] == ["0", "15"]
    assert entry.additional_data == {"reason": "考生电脑故障", "minutes": 15}

    travel.move_to(NOW + timedelta(minutes=70))
    item = body["items"][0]["id"]
    saved = client.put(
        f"/api/v1/attempts/{body['id']}/answers/", {"answers": [{"item": item, "keys": ["B"]}]}, format="json"
    )
    assert saved.status_code == 200
    assert client.get(f"/api/v1/attempts/{body['id']}/").json()["remaining_seconds"] == 300


def test_extra_time_is_refused_for_staff_for_bad_input_and_after_submit_or_deadline(bank, travel):
    session = session_for("after_close", max_attempts=2)
    client = token_client(UserFactory())
    body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    admin = token_client(AdminFactory())
    url = f"/api/v1/attempts/{body['id']}/extra-time/"

    assert client.post(url, {"minutes": 10, "reason": "x"}, format="json").status_code == 403
    assert admin.post(url, {"minutes": 0, "reason": "x"}, format="json").status_code == 400
    assert admin.post(url, {"minutes": 10, "reason": ""}, format="json").status_code == 400
    travel.move_to(NOW + timedelta(minutes=61))
    overdue = admin.post(url, {"minutes": 10, "reason": "迟到"}, format="json")
    assert (overdue.status_code, overdue.json()["code"]) == (409, "attempt_closed")
    attempt = Attempt.objects.get()
    assert (attempt.status, attempt.auto_submitted, attempt.extra_minutes) == (
        AttemptStatus.SUBMITTED,
        True,
        0,
    )
    again = admin.post(url, {"minutes": 10, "reason": "迟到"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "attempt_closed")
    assert AttemptExtraTime.objects.count() == 0
    assert attempt.score == Decimal("0.0")


# Query counts: constant in the size of the paper and the number of attempts


def paper_of(size, **exam_fields):
    QuestionFactory.create_batch(size, kind=QuestionKind.SINGLE)
    return ExamFactory(pass_score=1, rules=[RuleIn(kind="single", count=size, points=1)], **exam_fields)


@pytest.mark.parametrize("paper_size", [4, 40])
def test_the_review_costs_a_fixed_number_of_queries(db, travel, django_assert_max_num_queries, paper_size):
    session = ExamSessionFactory(
        exam=paper_of(paper_size), opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(hours=3)
    )
    client = token_client(UserFactory())
    body = sit(client, session, wrong_positions=(1,))
    travel.move_to(session.closes_at)

    # token and user, the attempt with session and exam, the candidate's department path, the
    # after_close check, the live pool keys (exams.live), the items
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/attempts/{body['id']}/review/")

    assert response.status_code == 200
    assert [item["is_correct"] for item in response.json()["items"]] == [False] + [True] * (paper_size - 1)


@pytest.mark.parametrize(("sessions", "paper_size"), [(1, 4), (4, 4), (4, 40)])
def test_the_mistakes_cost_a_fixed_number_of_queries_with_overdue_attempts_submitted_on_the_way(
    db, travel, django_assert_max_num_queries, sessions, paper_size
):
    exam = paper_of(paper_size, review_policy="after_submit", max_attempts=1)
    client = token_client(UserFactory())
    for _n in range(sessions):
        session = ExamSessionFactory(
            exam=exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(hours=3)
        )
        body = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
        answers = correct_payload(body["id"])[1:]
        client.put(f"/api/v1/attempts/{body['id']}/answers/", {"answers": answers}, format="json")
    travel.move_to(NOW + timedelta(minutes=60) + SAVE_GRACE + timedelta(seconds=1))

    # token and user; one overdue batch (savepoint, lock the attempts, read their items and
    # answers, update the attempts, update the items, release); the department path, the live
    # pool keys (exams.live), the mistakes
    with django_assert_max_num_queries(10):
        mistakes = client.get("/api/v1/mistakes/").json()

    assert sum(m["wrong_count"] for m in mistakes) == sessions  # each paper's first item, left blank
    assert set(Attempt.objects.values_list("status", flat=True)) == {AttemptStatus.SUBMITTED}


@pytest.mark.parametrize(("bank_size", "paper_size"), [(10, 4), (60, 4), (60, 40)])
def test_a_practice_start_costs_a_fixed_number_of_queries(
    db, travel, django_assert_max_num_queries, bank_size, paper_size
):
    QuestionFactory.create_batch(bank_size - paper_size, kind=QuestionKind.SINGLE)
    exam = paper_of(paper_size, kind="practice", review_policy="after_submit")
    token_client(UserFactory()).post(
        "/api/v1/practice/", {"exam": exam.id}, format="json"
    )  # opens the session
    client = token_client(UserFactory())

    # token and user, the listed exam; its open session (savepoint, department path — then kept on
    # the user —, session, release); the start (savepoint, session with exam and eligibility, the
    # candidate's attempts, rules, the live pool keys (exams.live), drawn questions, insert attempt,
    # insert items, item index, release)
    with django_assert_max_num_queries(16):
        response = client.post("/api/v1/practice/", {"exam": exam.id}, format="json")

    assert response.status_code == 201
    assert len(response.json()["items"]) == paper_size
