"""No staff-facing response carries a correct key, an explanation or a law reference before the
review policy allows: every endpoint a candidate can call during an attempt, walked and searched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from exams import services
from exams.models import SAVE_GRACE, Attempt, AttemptItem
from tests.conftest import token_client
from tests.factories import CIVIL_PRACTICE_RULES, ExamFactory, ExamSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELD_NAMES = ['"correct"', '"correct_keys"', '"explanation"', '"law_reference"', '"earned"']


def secrets_of(attempt_ids):
    items = AttemptItem.objects.filter(attempt_id__in=attempt_ids)
    texts = set()
    for item in items:
        texts.add(item.explanation)
        texts.add(item.law_reference)
    questions = {item.question_id for item in items}
    assert all(texts) and len(texts) == 2 * len(questions)  # distinctive texts: a hit cannot be chance
    return texts


@pytest.mark.parametrize("policy", ["after_submit", "after_close", "never"])
def test_no_staff_endpoint_leaks_keys_or_explanations_during_an_attempt(bank, policy):
    session = ExamSessionFactory(exam=ExamFactory(review_policy=policy, max_attempts=1))
    practice = ExamFactory(
        kind="practice", review_policy="after_submit", title="练习", rules=CIVIL_PRACTICE_RULES
    )
    client = token_client(UserFactory())
    responses = {}

    started = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/")
    attempt = started.json()
    base = f"/api/v1/attempts/{attempt['id']}"
    first, multiple = attempt["items"][0]["id"], attempt["items"][2]["id"]
    responses["start"] = started
    responses["save"] = client.put(
        f"{base}/answers/",
        {"answers": [{"item": first, "keys": ["A"]}, {"item": multiple, "keys": ["A", "B"]}]},
        format="json",
    )
    responses["bad save"] = client.put(
        f"{base}/answers/", {"answers": [{"item": first, "keys": ["Z"]}]}, format="json"
    )
    responses["resume"] = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/")
    responses["get"] = client.get(f"{base}/")
    responses["review"] = client.get(f"{base}/review/")
    responses["sessions"] = client.get("/api/v1/exam-sessions/")
    responses["session"] = client.get(f"/api/v1/exam-sessions/{session.id}/")
    responses["mistakes"] = client.get("/api/v1/mistakes/")
    responses["practice"] = client.post("/api/v1/practice/", {"exam": practice.id}, format="json")
    practice_id = responses["practice"].json()["id"]
    responses["practice get"] = client.get(f"/api/v1/attempts/{practice_id}/")

    assert [r.status_code for r in responses.values()] == [
        201,
        200,
        400,
        200,
        200,
        409 if policy != "never" else 403,
        200,
        200,
        200,
        201,
        200,
    ]
    secrets = secrets_of([attempt["id"], practice_id])
    for name, response in responses.items():
        text = json.dumps(response.json(), ensure_ascii=False)
        for field in FIELD_NAMES:
            assert field not in text, (name, field)
        for secret in secrets:
            assert secret not in text, (name, secret)


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("released_by", ["submit", "deadline"])
def test_after_close_keys_stay_hidden_while_a_candidate_given_extra_time_is_still_answering(
    bank, released_by
):
    with time_machine.travel(NOW, tick=False) as travel:
        session = ExamSessionFactory(
            exam=ExamFactory(review_policy="after_close", duration_minutes=60),
            opens_at=NOW - timedelta(hours=1),
            closes_at=NOW + timedelta(minutes=30),
        )
        late, early = token_client(UserFactory()), token_client(UserFactory())
        sitting = late.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
        services.attempt_extra_time_grant(
            attempt_id=sitting["id"], minutes=20, reason="考生电脑故障", actor=None, now=NOW
        )
        done = early.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
        early.post(f"/api/v1/attempts/{done['id']}/submit/")  # all blank: every item a mistake
        review = f"/api/v1/attempts/{done['id']}/review/"

        travel.move_to(session.closes_at)
        hidden = early.get(review)
        travel.move_to(NOW + timedelta(minutes=50) + SAVE_GRACE)  # the late candidate's last saving moment
        still_hidden = early.get(review)
        hidden_mistakes = early.get("/api/v1/mistakes/").json()
        if released_by == "submit":
            late.post(f"/api/v1/attempts/{sitting['id']}/submit/")
        else:
            travel.shift(timedelta(microseconds=1))
        shown = early.get(review)
        shown_mistakes = early.get("/api/v1/mistakes/").json()

    assert Attempt.objects.get(pk=sitting["id"]).deadline == NOW + timedelta(minutes=50)
    assert [(r.status_code, r.json()["code"]) for r in (hidden, still_hidden)] == [
        (409, "review_not_yet")
    ] * 2
    assert hidden_mistakes == []
    assert shown.status_code == 200
    assert [item["correct_keys"] for item in shown.json()["items"]] == [
        list(item.correct) for item in AttemptItem.objects.filter(attempt_id=done["id"]).order_by("position")
    ]
    assert len(shown_mistakes) == 4


def test_after_close_keys_stay_hidden_when_the_window_is_moved_before_a_running_attempts_deadline(bank):
    with time_machine.travel(NOW, tick=False) as travel:
        session = ExamSessionFactory(
            exam=ExamFactory(review_policy="after_close", duration_minutes=60),
            opens_at=NOW - timedelta(hours=1),
            closes_at=NOW + timedelta(hours=2),
        )
        late, early = token_client(UserFactory()), token_client(UserFactory())
        late.post(f"/api/v1/exam-sessions/{session.id}/attempts/")
        done = early.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
        early.post(f"/api/v1/attempts/{done['id']}/submit/")
        services.session_update(session=session, closes_at=NOW + timedelta(minutes=10))

        travel.move_to(NOW + timedelta(minutes=10))
        hidden = early.get(f"/api/v1/attempts/{done['id']}/review/")
        travel.move_to(NOW + timedelta(minutes=60) + SAVE_GRACE + timedelta(microseconds=1))
        shown = early.get(f"/api/v1/attempts/{done['id']}/review/")

    assert (hidden.status_code, hidden.json()["code"]) == (409, "review_not_yet")
    assert shown.status_code == 200
