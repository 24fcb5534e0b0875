"""No staff-facing response carries a correct key, an explanation or a law reference before the
review policy allows: every endpoint a candidate can call during an attempt, walked and searched."""

from __future__ import annotations

import json

import pytest

from exams.models import AttemptItem
from tests.conftest import token_client
from tests.factories import ExamFactory, ExamSessionFactory, UserFactory

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
    session = ExamSessionFactory(exam=ExamFactory(review_policy=policy))
    practice = ExamFactory(kind="practice", review_policy="after_submit", title="练习")
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
