"""Options are labelled A, B, C… by their place on the candidate's screen (the exam page, the review,
the 错题本), while the API and the saved answers keep the stable keys; a selected option looks
selected, not wrong."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from exams import services
from exams.models import AttemptItem, QuestionKind, ReviewPolicy
from exams.option_labels import keys_as_labels, labelled_options
from tests.conftest import token_client
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SHOWN = [
    {"key": "D", "text": "丁"},
    {"key": "C", "text": "丙"},
    {"key": "B", "text": "乙"},
    {"key": "A", "text": "甲"},
]


def test_labels_follow_the_place_on_screen():
    assert [option["label"] for option in labelled_options(SHOWN)] == ["A", "B", "C", "D"]
    assert [option["key"] for option in labelled_options(SHOWN)] == ["D", "C", "B", "A"]
    assert keys_as_labels(["A", "C"], SHOWN) == ["B", "D"]
    assert keys_as_labels(["D"], SHOWN) == ["A"]


@pytest.fixture
def shuffled():
    """A submitted multiple-choice paper whose options the shuffle put in the order D, C, B, A;
    the candidate chose keys D and B (shown as A and C), the correct keys are A and C (shown D, B)."""
    with time_machine.travel(NOW, tick=False):
        QuestionFactory(
            kind=QuestionKind.MULTIPLE,
            answer=["A", "C"],
            options=[
                {"key": "A", "text": "甲"},
                {"key": "B", "text": "乙"},
                {"key": "C", "text": "丙"},
                {"key": "D", "text": "丁"},
            ],
        )
        exam = ExamFactory(
            rules=[RuleIn(kind=QuestionKind.MULTIPLE, count=1, points=2)],
            pass_score=1,
            max_attempts=1,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
        )
        session = ExamSessionFactory(exam=exam, opens_at=NOW - timedelta(hours=1))
        user = UserFactory()
        attempt = services.attempt_start(session_id=session.pk, candidate=user, now=NOW).attempt
        AttemptItem.objects.filter(attempt=attempt).update(options=SHOWN)
        item = AttemptItem.objects.get(attempt=attempt)
        yield user, attempt, item


def option_labels(page: str) -> list[tuple[str, str]]:
    """(value of the input, label shown) for each option on the exam page, in order."""
    return re.findall(r'value="([A-H])"[^>]*>\s*<span class="key">([A-H])</span>', page)


def test_the_exam_page_labels_shown_options_a_to_d_and_keeps_their_keys(client, shuffled):
    # given
    user, attempt, _item = shuffled
    client.force_login(user)
    # when
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
        api = token_client(user).get(f"/api/v1/attempts/{attempt.pk}/").json()
    # then
    assert option_labels(page) == [("D", "A"), ("C", "B"), ("B", "C"), ("A", "D")]
    assert [o["key"] for o in api["items"][0]["options"]] == ["D", "C", "B", "A"]


def test_review_and_mistakes_name_the_keys_by_their_labels(client, shuffled):
    # given
    user, attempt, item = shuffled
    with time_machine.travel(NOW, tick=False):
        services.attempt_answers_save(
            attempt_id=attempt.pk,
            candidate=user,
            answers=[services.AnswerIn(item=item.pk, keys=["D", "B"])],
            now=NOW,
        )
        services.attempt_submit(attempt_id=attempt.pk, candidate=user, now=NOW)
        client.force_login(user)
        # when
        review = client.get(f"/exams/attempts/{attempt.pk}/review/").content.decode()
        mistakes = client.get("/exams/mistakes/").content.decode()
        api = token_client(user).get(f"/api/v1/attempts/{attempt.pk}/review/").json()
    # then
    for page in (review, mistakes):
        assert "你的答案：A、C</span>" in page
        assert "正确答案：B、D</span>" in page
        assert re.findall(r'<span class="key">([A-H])</span><span class="text">(.)</span>', page) == [
            ("A", "丁"),
            ("B", "丙"),
            ("C", "乙"),
            ("D", "甲"),
        ]
    assert api["items"][0]["your_keys"] == ["B", "D"]
    assert api["items"][0]["correct_keys"] == ["A", "C"]


def test_a_selected_option_is_styled_as_selected_not_as_a_wrong_answer():
    css = Path("exams/static/exams/exams.css").read_text()
    selected = re.search(r"\.option:has\(input:checked\) \{([^}]*)\}", css).group(1)
    wrong = re.search(r"\.options-review li\.is-chosen-wrong \{([^}]*)\}", css).group(1)
    assert "var(--selected)" in selected and "var(--selected-bg)" in selected
    assert "var(--accent)" not in selected
    assert "var(--accent)" in wrong
