"""Starting, resuming, saving and submitting attempts through the API (DESIGN.md section 4)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from exams import services
from exams.models import (
    Attempt,
    AttemptAnswer,
    AttemptItem,
    AttemptStatus,
    LawArea,
    Question,
    QuestionKind,
    ReviewPolicy,
)
from exams.pools import bank_changed
from exams.services.attempts import ITEM_COLUMNS
from tests.conftest import token_client
from tests.exams.conftest import correct_payload, statements
from tests.factories import (
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ATTEMPT_KEYS = {
    "id",
    "session",
    "session_title",
    "exam_title",
    "number",
    "status",
    "started_at",
    "deadline",
    "server_time",
    "remaining_seconds",
    "submitted_at",
    "max_score",
    "score",
    "passed",
    "items",
}


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_session(**exam_fields):
    exam = ExamFactory(**exam_fields)
    return ExamSessionFactory(exam=exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1))


def start(client, session):
    return client.post(f"/api/v1/exam-sessions/{session.pk}/attempts/")


def test_start_returns_the_contract_shape_and_never_the_keys(bank, travel):
    session = open_session()
    client = token_client(UserFactory())

    response = start(client, session)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == ATTEMPT_KEYS
    attempt = Attempt.objects.get()
    assert body["id"] == attempt.id
    assert (body["status"], body["number"], body["max_score"], body["score"], body["passed"]) == (
        "in_progress",
        1,
        8,
        None,
        None,
    )
    assert body["started_at"] == "2026-03-02T09:00:00+08:00"
    assert body["deadline"] == "2026-03-02T10:00:00+08:00"
    assert body["server_time"] == "2026-03-02T09:00:00+08:00"
    assert body["remaining_seconds"] == 3600
    assert [item["position"] for item in body["items"]] == [1, 2, 3, 4]
    assert [item["kind"] for item in body["items"]] == ["single", "single", "multiple", "judge"]
    assert [item["points"] for item in body["items"]] == [2, 2, 3, 1]
    for item in body["items"]:
        assert set(item) == {"id", "position", "kind", "stem", "options", "points", "answer"}
        assert item["answer"] == []
        frozen = AttemptItem.objects.get(pk=item["id"])
        question = Question.objects.get(pk=frozen.question_id)
        assert item["stem"] == question.stem
        assert sorted(item["options"], key=lambda o: o["key"]) == sorted(
            question.options, key=lambda o: o["key"]
        )


def test_resume_returns_200_with_the_same_paper_and_the_saved_answers(bank, travel):
    session = open_session()
    client = token_client(UserFactory())
    first = start(client, session).json()
    item = first["items"][0]
    client.put(
        f"/api/v1/attempts/{first['id']}/answers/",
        {"answers": [{"item": item["id"], "keys": ["A"]}]},
        format="json",
    )
    travel.shift(timedelta(minutes=10))

    again = start(client, session)

    assert again.status_code == 200
    body = again.json()
    assert body["id"] == first["id"]
    assert [(i["id"], i["stem"], i["options"]) for i in body["items"]] == [
        (i["id"], i["stem"], i["options"]) for i in first["items"]
    ]
    assert body["items"][0]["answer"] == ["A"]
    assert body["remaining_seconds"] == 3000
    assert Attempt.objects.count() == 1


def test_the_deadline_is_the_session_close_when_that_comes_first(bank, travel):
    exam = ExamFactory(duration_minutes=60)
    session = ExamSessionFactory(
        exam=exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(minutes=20)
    )

    body = start(token_client(UserFactory()), session).json()

    assert body["deadline"] == "2026-03-02T09:20:00+08:00"
    assert body["remaining_seconds"] == 1200


def test_not_eligible_is_403_and_creates_nothing(bank, travel):
    inside, outside = DepartmentFactory(), DepartmentFactory()
    session = open_session()
    session.departments.set([inside])

    response = start(token_client(UserFactory(department=outside)), session)

    assert response.status_code == 403
    assert response.json()["code"] == "not_eligible"
    assert Attempt.objects.count() == 0


def test_unknown_session_is_404(bank, travel):
    response = start(token_client(UserFactory()), type("S", (), {"pk": 999})())
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("opens", "closes", "code"),
    [
        (timedelta(minutes=5), timedelta(hours=2), "session_not_open"),
        (-timedelta(hours=2), -timedelta(seconds=1), "session_closed"),
        (-timedelta(hours=2), timedelta(0), "session_closed"),
    ],
)
def test_start_outside_the_window_is_409_and_creates_nothing(bank, travel, opens, closes, code):
    session = ExamSessionFactory(exam=ExamFactory(), opens_at=NOW + opens, closes_at=NOW + closes)

    response = start(token_client(UserFactory()), session)

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert Attempt.objects.count() == 0


def test_attempts_allowed_counts_every_attempt_and_then_409(bank, travel):
    session = open_session(max_attempts=2)
    client = token_client(UserFactory())
    first = start(client, session).json()
    client.post(f"/api/v1/attempts/{first['id']}/submit/")

    second = start(client, session)
    assert second.status_code == 201
    assert second.json()["number"] == 2
    client.post(f"/api/v1/attempts/{second.json()['id']}/submit/")

    third = start(client, session)
    assert third.status_code == 409
    assert third.json()["code"] == "no_attempts_left"
    assert Attempt.objects.count() == 2


def test_someone_elses_attempt_is_404_on_every_endpoint(bank, travel):
    session = open_session()
    attempt = start(token_client(UserFactory()), session).json()
    item = attempt["items"][0]["id"]
    other = token_client(UserFactory())
    base = f"/api/v1/attempts/{attempt['id']}"

    assert other.get(f"{base}/").status_code == 404
    assert (
        other.put(f"{base}/answers/", {"answers": [{"item": item, "keys": ["A"]}]}, format="json").status_code
        == 404
    )
    assert other.post(f"{base}/submit/").status_code == 404
    assert other.get(f"{base}/review/").status_code == 404
    assert AttemptAnswer.objects.count() == 0
    assert Attempt.objects.get().status == AttemptStatus.IN_PROGRESS


def test_the_postgresql_paper_insert_names_every_column_of_an_item_but_its_id():
    """``_insert_items`` lists the columns by hand (PostgreSQL only): a field added to the model
    and missing here would be left at its database default on PostgreSQL alone."""
    record_type = {
        "ForeignKey": "bigint",
        "PositiveSmallIntegerField": "integer",
        "PositiveIntegerField": "integer",
        "CharField": "text",
        "TextField": "text",
        "JSONField": "jsonb",
        "DecimalField": "numeric",
    }
    model_columns = {
        field.column: record_type[field.get_internal_type()]
        for field in AttemptItem._meta.concrete_fields
        if not field.primary_key
    }

    assert dict(ITEM_COLUMNS) == model_columns
    assert len(ITEM_COLUMNS) == len(model_columns) == 13


def test_shuffling_changes_option_order_never_keys(bank):
    exam = ExamFactory(
        shuffle_options=True, pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=4, points=1)]
    )
    session = ExamSessionFactory(exam=exam)
    orders = set()
    for seed in range(6):
        result = services.attempt_start(
            session_id=session.pk, candidate=UserFactory(), now=session.opens_at, rng=random.Random(seed)
        )
        for item in result.items:
            question = Question.objects.get(pk=AttemptItem.objects.get(pk=item.id).question_id)
            assert {o["key"]: o["text"] for o in item.options} == {
                o["key"]: o["text"] for o in question.options
            }
            orders.add(tuple(o["key"] for o in item.options))
    assert len(orders) > 1


def test_without_shuffling_options_keep_the_bank_order(bank):
    exam = ExamFactory(
        shuffle_options=False, pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=4, points=1)]
    )
    session = ExamSessionFactory(exam=exam)

    result = services.attempt_start(session_id=session.pk, candidate=UserFactory(), now=session.opens_at)

    assert all([o["key"] for o in item.options] == ["A", "B", "C", "D"] for item in result.items)


def test_each_candidate_gets_a_random_paper_without_repeats_and_category_rules_hold(db):
    QuestionFactory.create_batch(12, kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION)
    civil = QuestionFactory.create_batch(4, kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE)
    exam = ExamFactory(
        pass_score=1,
        rules=[
            RuleIn(kind=QuestionKind.SINGLE, count=5, points=1),
            RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE, count=4, points=2),
        ],
    )
    session = ExamSessionFactory(exam=exam)
    papers = []
    for seed in (1, 2, 3):
        result = services.attempt_start(
            session_id=session.pk, candidate=UserFactory(), now=session.opens_at, rng=random.Random(seed)
        )
        question_ids = list(
            AttemptItem.objects.filter(attempt=result.attempt)
            .order_by("position")
            .values_list("question_id", flat=True)
        )
        assert len(question_ids) == len(set(question_ids)) == 9
        assert set(question_ids[5:]) == {q.id for q in civil}
        assert all(
            q.category == LawArea.CONSTITUTION for q in Question.objects.filter(pk__in=question_ids[:5])
        )
        papers.append(frozenset(question_ids[:5]))
    assert len(set(papers)) > 1


def test_editing_a_question_never_changes_a_paper_already_drawn(bank, travel):
    session = open_session()
    client = token_client(UserFactory())
    body = start(client, session).json()
    item = AttemptItem.objects.get(pk=body["items"][0]["id"])
    question = Question.objects.get(pk=item.question_id)

    services.question_update(
        question=question,
        changes={
            "stem": "改过的题干",
            "options": [{"key": "A", "text": "新A"}, {"key": "B", "text": "新B"}],
            "answer": ["A"],
        },
    )

    again = client.get(f"/api/v1/attempts/{body['id']}/").json()
    assert again["items"][0] == body["items"][0]
    item.refresh_from_db()
    assert (item.stem, item.correct) == (body["items"][0]["stem"], ["B"])


# Saving


def save(client, attempt_id, answers):
    return client.put(f"/api/v1/attempts/{attempt_id}/answers/", {"answers": answers}, format="json")


@pytest.fixture
def sitting(bank, travel):
    session = open_session()
    user = UserFactory()
    client = token_client(user)
    body = start(client, session).json()
    return client, body


def test_save_returns_count_and_time_and_stores_sorted_keys(sitting):
    client, body = sitting
    single, multiple = body["items"][0]["id"], body["items"][2]["id"]

    response = save(
        client, body["id"], [{"item": single, "keys": ["a"]}, {"item": multiple, "keys": ["D", "B"]}]
    )

    assert response.status_code == 200
    assert response.json() == {
        "saved": 2,
        "saved_at": "2026-03-02T09:00:00+08:00",
        "deadline": body["deadline"],
    }
    assert dict(AttemptAnswer.objects.values_list("item_id", "keys")) == {single: ["A"], multiple: ["B", "D"]}


@pytest.mark.parametrize(
    ("make_answers", "fault"),
    [
        (lambda items: [{"item": 999999, "keys": ["A"]}], "第 999999 题不在这份答卷中"),
        (lambda items: [{"item": items[0]["id"], "keys": ["Z"]}], "没有选项“Z”"),
        (lambda items: [{"item": items[0]["id"], "keys": ["A", "B"]}], "只能选一个答案"),
        (lambda items: [{"item": items[3]["id"], "keys": ["T", "F"]}], "只能选一个答案"),
        (lambda items: [{"item": items[1]["id"], "keys": ["A"]}] * 2, "出现了两次"),
    ],
)
def test_a_bad_answer_refuses_the_whole_batch_naming_the_item(sitting, make_answers, fault):
    client, body = sitting
    good = {"item": body["items"][2]["id"], "keys": ["A"]}

    response = save(client, body["id"], [good, *make_answers(body["items"])])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answer"
    assert fault in response.json()["detail"]
    assert AttemptAnswer.objects.count() == 0


def test_a_malformed_body_is_400_and_saves_nothing(sitting):
    client, body = sitting
    for payload in (
        {},
        {"answers": "A"},
        {"answers": [{"item": "x", "keys": []}]},
        {"answers": [{"item": 1}]},
        {"answers": [{"item": 2**63, "keys": ["A"]}]},  # no 64-bit key: never reaches the database
        {"answers": [{"item": -(2**64), "keys": []}]},
    ):
        response = client.put(f"/api/v1/attempts/{body['id']}/answers/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    assert AttemptAnswer.objects.count() == 0


def test_saving_the_same_batch_twice_is_idempotent_and_the_later_save_of_an_item_wins(sitting):
    client, body = sitting
    item = body["items"][2]["id"]
    save(client, body["id"], [{"item": item, "keys": ["A"]}])
    save(client, body["id"], [{"item": item, "keys": ["A"]}])
    assert list(AttemptAnswer.objects.values_list("item_id", "keys")) == [(item, ["A"])]

    save(client, body["id"], [{"item": item, "keys": ["B", "C"]}])
    save(client, body["id"], [{"item": item, "keys": []}])
    save(client, body["id"], [{"item": item, "keys": ["D"]}])

    assert list(AttemptAnswer.objects.values_list("item_id", "keys")) == [(item, ["D"])]


def test_save_costs_two_statements_including_token_authentication(bank, travel):
    session = open_session(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=4, points=1)])
    client = token_client(UserFactory())
    body = start(client, session).json()
    answers = [{"item": item["id"], "keys": ["B"]} for item in body["items"]]

    with statements() as captured:
        response = save(client, body["id"], answers)

    assert response.status_code == 200
    assert len(captured) == 2, captured.sql
    assert "authtoken_token" in captured.sql[0]
    assert 'INSERT INTO "exams_attemptanswer"' in captured.sql[1] and "ON CONFLICT" in captured.sql[1]
    assert AttemptAnswer.objects.filter(attempt_id=body["id"], keys=["B"]).count() == 4


def test_a_refused_save_reads_the_attempt_once_to_say_why_and_saves_nothing(bank, travel):
    session = open_session(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=4, points=1)])
    client = token_client(UserFactory())
    body = start(client, session).json()
    answers = [{"item": item["id"], "keys": ["B"]} for item in body["items"]]
    answers[-1] = {"item": body["items"][-1]["id"], "keys": ["B", "C"]}

    with statements() as captured:
        response = save(client, body["id"], answers)

    assert response.status_code == 400
    assert f"第 {body['items'][-1]['id']} 题是单选或判断题" in response.json()["detail"]
    assert len(captured) == 3, captured.sql
    assert captured.sql[2].startswith("SELECT status, deadline, item_index FROM")
    assert AttemptAnswer.objects.count() == 0


def test_the_next_save_answers_with_the_deadline_extra_time_moved(sitting):
    from exams.services import attempt_extra_time_grant

    client, body = sitting
    item = body["items"][0]["id"]
    before = save(client, body["id"], [{"item": item, "keys": ["A"]}]).json()["deadline"]

    attempt_extra_time_grant(attempt_id=body["id"], minutes=15, reason="停电", actor=None, now=NOW)
    after = save(client, body["id"], [{"item": item, "keys": ["B"]}]).json()["deadline"]

    assert before == body["deadline"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) == timedelta(minutes=15)


def test_an_empty_save_answers_with_the_deadline_and_saves_nothing(sitting):
    client, body = sitting

    response = save(client, body["id"], [])

    assert response.json() == {
        "saved": 0,
        "saved_at": "2026-03-02T09:00:00+08:00",
        "deadline": body["deadline"],
    }
    assert AttemptAnswer.objects.count() == 0


def test_saves_are_accepted_until_the_grace_period_ends(sitting, travel):
    client, body = sitting
    item = body["items"][0]["id"]
    travel.move_to(NOW + timedelta(minutes=60, seconds=30))

    assert save(client, body["id"], [{"item": item, "keys": ["B"]}]).status_code == 200


def test_a_save_after_deadline_and_grace_is_409_and_submits_with_what_was_saved(sitting, travel):
    client, body = sitting
    items = body["items"]
    save(
        client,
        body["id"],
        [{"item": items[0]["id"], "keys": AttemptItem.objects.get(pk=items[0]["id"]).correct}],
    )
    travel.move_to(NOW + timedelta(minutes=60, seconds=31))

    response = save(client, body["id"], [{"item": items[1]["id"], "keys": ["B"]}])

    assert response.status_code == 409
    assert response.json()["code"] == "attempt_closed"
    attempt = Attempt.objects.get()
    assert (attempt.status, attempt.auto_submitted, attempt.score, attempt.passed) == (
        AttemptStatus.SUBMITTED,
        True,
        Decimal("2.0"),
        False,
    )
    assert list(AttemptAnswer.objects.values_list("item_id", flat=True)) == [items[0]["id"]]


def test_a_save_after_submit_is_409_and_changes_nothing(sitting):
    client, body = sitting
    item = body["items"][0]["id"]
    save(client, body["id"], [{"item": item, "keys": ["A"]}])
    client.post(f"/api/v1/attempts/{body['id']}/submit/")

    response = save(client, body["id"], [{"item": item, "keys": ["B"]}])

    assert response.status_code == 409
    assert response.json()["code"] == "attempt_closed"
    assert list(AttemptAnswer.objects.values_list("keys", flat=True)) == [["A"]]


# Submitting


def test_submit_grades_and_a_second_submit_returns_the_same_result(sitting, travel):
    client, body = sitting
    answers = correct_payload(body["id"])
    answers[0]["keys"] = ["C"] if answers[0]["keys"] != ["C"] else ["D"]
    save(client, body["id"], answers)

    first = client.post(f"/api/v1/attempts/{body['id']}/submit/")
    travel.shift(timedelta(minutes=5))
    second = client.post(f"/api/v1/attempts/{body['id']}/submit/")

    expected = {"id": body["id"], "status": "submitted", "score": 6.0, "max_score": 8, "passed": True}
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == expected
    attempt = Attempt.objects.get()
    assert attempt.submitted_at == NOW
    assert list(AttemptItem.objects.order_by("position").values_list("earned", flat=True)) == [
        Decimal("0.0"),
        Decimal("2.0"),
        Decimal("3.0"),
        Decimal("1.0"),
    ]


def test_get_after_submit_carries_score_and_passed(sitting):
    client, body = sitting
    client.post(f"/api/v1/attempts/{body['id']}/submit/")

    got = client.get(f"/api/v1/attempts/{body['id']}/").json()

    assert set(got) == ATTEMPT_KEYS
    assert (got["status"], got["score"], got["passed"], got["remaining_seconds"]) == (
        "submitted",
        0.0,
        False,
        0,
    )
    assert got["submitted_at"] == "2026-03-02T09:00:00+08:00"


def test_get_of_an_overdue_attempt_submits_it_first_with_the_saved_answers(sitting, travel):
    client, body = sitting
    save(client, body["id"], correct_payload(body["id"]))
    travel.move_to(NOW + timedelta(hours=2))

    got = client.get(f"/api/v1/attempts/{body['id']}/").json()

    assert (got["status"], got["score"], got["passed"]) == ("submitted", 8.0, True)
    attempt = Attempt.objects.get()
    assert (attempt.auto_submitted, attempt.submitted_at) == (True, NOW + timedelta(hours=2))


def test_resuming_an_overdue_attempt_submits_it_and_keeps_it_when_no_attempt_is_left(bank, travel):
    session = open_session(max_attempts=1)
    client = token_client(UserFactory())
    body = start(client, session).json()
    save(client, body["id"], correct_payload(body["id"]))
    travel.move_to(NOW + timedelta(hours=2))

    response = start(client, session)

    assert response.status_code == 409
    assert response.json()["code"] == "no_attempts_left"
    attempt = Attempt.objects.get()
    assert (attempt.status, attempt.score, attempt.auto_submitted) == (
        AttemptStatus.SUBMITTED,
        Decimal("8.0"),
        True,
    )


def test_resuming_an_overdue_attempt_with_an_attempt_left_starts_the_next(bank, travel):
    session = open_session(max_attempts=2)
    client = token_client(UserFactory())
    start(client, session)
    travel.move_to(NOW + timedelta(hours=2))

    response = start(client, session)

    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert list(Attempt.objects.order_by("number").values_list("status", flat=True)) == [
        "submitted",
        "in_progress",
    ]


@pytest.mark.parametrize("paper_size", [4, 40])
def test_submit_costs_at_most_five_statements_whatever_the_paper_size(db, paper_size):
    QuestionFactory.create_batch(paper_size, kind=QuestionKind.SINGLE)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=paper_size, points=1)])
    )
    user = UserFactory()
    client = token_client(user)
    body = start(client, session).json()
    save(client, body["id"], correct_payload(body["id"]))

    with statements() as captured:
        response = client.post(f"/api/v1/attempts/{body['id']}/submit/")

    assert response.json()["score"] == paper_size
    assert len(captured) == 5, captured.sql


@pytest.mark.parametrize(("bank_size", "paper_size"), [(10, 4), (200, 4), (200, 40)])
def test_start_costs_the_same_number_of_statements_whatever_the_bank_or_paper_size(db, bank_size, paper_size):
    Question.objects.bulk_create(
        [
            Question(
                kind=QuestionKind.SINGLE,
                stem=f"题{n}",
                options=[{"key": "A", "text": "a"}, {"key": "B", "text": "b"}],
                answer=["A"],
                category=LawArea.CONSTITUTION,
                fingerprint=f"{n:064d}",
            )
            for n in range(bank_size)
        ]
    )
    bank_changed()  # bulk_create bypasses the services, which move the bank version themselves
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=paper_size, points=1)])
    )
    start(token_client(UserFactory()), session)  # the first start of a bank version reads the pool
    client = token_client(UserFactory())

    with statements() as captured:
        response = start(client, session)

    assert response.status_code == 201
    assert len(response.json()["items"]) == paper_size
    # token+user, department path, session+exam+eligibility, the candidate's attempts, rules,
    # the drawn questions, insert attempt, insert items, update the attempt's item index
    assert len(captured) == 9, captured.sql
    assert not any("ORDER BY RANDOM" in sql.upper() for sql in captured.sql)


def test_review_policy_never_refuses_with_403(bank, travel):
    session = open_session(review_policy=ReviewPolicy.NEVER)
    client = token_client(UserFactory())
    body = start(client, session).json()
    client.post(f"/api/v1/attempts/{body['id']}/submit/")

    response = client.get(f"/api/v1/attempts/{body['id']}/review/")

    assert response.status_code == 403
    assert response.json()["code"] == "review_never"


def test_graded_attempts_are_announced_after_commit(sitting, django_capture_on_commit_callbacks):
    from exams.services import attempts_graded

    client, body = sitting
    announced = []

    def receiver(sender, attempt_ids, **kwargs):
        announced.append(attempt_ids)

    attempts_graded.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/api/v1/attempts/{body['id']}/submit/")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/api/v1/attempts/{body['id']}/submit/")
    finally:
        attempts_graded.disconnect(receiver)

    assert announced == [[body["id"]]]


def test_the_answer_write_itself_refuses_a_closed_attempt(sitting, travel):
    """The read-then-write of a save is guarded in the write: a submit (or the deadline) in between wins."""
    from exams.models import key_mask
    from exams.services.attempts.sql import answers_upsert

    client, body = sitting
    item = body["items"][0]["id"]
    candidate = Attempt.objects.get().candidate_id

    def row(key: str) -> list[tuple[int, str, int, int]]:
        return [(item, f'["{key}"]', key_mask([key]), 1)]

    written, deadline = answers_upsert(attempt_id=body["id"], candidate_id=candidate, rows=row("A"), now=NOW)
    assert (written, deadline.isoformat()) == (
        1,
        datetime.fromisoformat(body["deadline"]).astimezone(UTC).isoformat(),
    )

    late = NOW + timedelta(minutes=60, seconds=31)
    assert answers_upsert(attempt_id=body["id"], candidate_id=candidate, rows=row("B"), now=late) == (0, None)
    assert answers_upsert(attempt_id=body["id"], candidate_id=candidate + 1, rows=row("B"), now=NOW) == (
        0,
        None,
    )
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    assert answers_upsert(attempt_id=body["id"], candidate_id=candidate, rows=row("C"), now=NOW) == (0, None)

    assert list(AttemptAnswer.objects.values_list("keys", flat=True)) == [["A"]]


def test_the_hand_written_attempt_representation_equals_the_declared_fields(sitting):
    from rest_framework import serializers

    from exams import selectors
    from exams.api.serializers import AttemptSerializer

    client, body = sitting
    save(client, body["id"], [{"item": body["items"][2]["id"], "keys": ["A"]}])
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    attempt = selectors.attempt_for_candidate(
        attempt_id=body["id"], candidate=Attempt.objects.get().candidate
    )
    payload = selectors.attempt_payload(attempt, selectors.attempt_paper(attempt=attempt), NOW)
    serializer = AttemptSerializer()

    assert serializer.to_representation(payload) == serializers.Serializer.to_representation(
        serializer, payload
    )


def test_the_hand_written_save_result_equals_the_declared_fields(sitting):
    from rest_framework import serializers

    from exams.api.serializers import SaveResultSerializer
    from exams.services import SaveResult

    client, body = sitting
    response = save(client, body["id"], [{"item": body["items"][0]["id"], "keys": ["A"]}])
    result = SaveResult(saved=1, saved_at=NOW, deadline=NOW + timedelta(minutes=90, microseconds=5))
    serializer = SaveResultSerializer()

    assert serializer.to_representation(result) == serializers.Serializer.to_representation(
        serializer, result
    )
    assert response.json() == serializers.Serializer.to_representation(
        serializer, SaveResult(saved=1, saved_at=NOW, deadline=Attempt.objects.get().deadline)
    )


def test_a_saves_keys_are_written_as_json_dumps_writes_them():
    import itertools
    import json

    from exams.models import KEY_BITS, key_mask
    from exams.services.attempts.save import _keys_json

    letters = sorted(KEY_BITS)
    for size in range(len(letters) + 1):
        for keys in itertools.combinations(letters, size):
            assert _keys_json(list(keys), key_mask(list(keys))) == json.dumps(list(keys))
    for odd in (["Z"], ["A", 'B"'], ["\\"], ["中"]):
        assert _keys_json(odd, key_mask(odd)) == json.dumps(odd)


def test_an_id_too_large_for_the_database_is_404_on_every_attempt_path_and_changes_nothing(sitting):
    client, _body = sitting
    too_large = "9" * 25  # the URLs take any number of digits; no 64-bit key is this large
    for method, url, payload in [
        ("put", f"/api/v1/attempts/{too_large}/answers/", {"answers": [{"item": 1, "keys": ["A"]}]}),
        ("post", f"/api/v1/exam-sessions/{too_large}/attempts/", None),
        ("post", f"/api/v1/attempts/{too_large}/submit/", None),
        ("get", f"/api/v1/attempts/{too_large}/", None),
        ("get", f"/api/v1/attempts/{too_large}/review/", None),
    ]:
        response = getattr(client, method)(url, payload, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert AttemptAnswer.objects.count() == 0
    assert Attempt.objects.count() == 1
