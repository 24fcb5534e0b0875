"""Grading: the rules item by item, and submit's scores against an independent re-grader."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams.grading import grade_item
from exams.models import Attempt, AttemptAnswer, AttemptItem, AttemptStatus
from exams.services import attempt_submit, attempts_submit_overdue
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

KEYS = "ABCDE"


@pytest.mark.parametrize(
    ("kind", "correct", "chosen", "partial", "earned"),
    [
        ("single", ["B"], ["B"], False, "2.0"),
        ("single", ["B"], ["C"], True, "0.0"),
        ("single", ["B"], None, False, "0.0"),
        ("judge", ["F"], ["F"], False, "2.0"),
        ("judge", ["F"], ["T"], False, "0.0"),
        ("multiple", ["A", "C"], ["C", "A"], False, "2.0"),
        ("multiple", ["A", "C"], ["A"], False, "0.0"),
        ("multiple", ["A", "C"], ["A"], True, "1.0"),
        ("multiple", ["A", "C", "D"], ["A", "B"], True, "0.0"),
        ("multiple", ["A", "C"], [], True, "0.0"),
        ("multiple", ["A", "C"], ["A", "B", "C"], True, "0.0"),
    ],
)
def test_grade_item(kind, correct, chosen, partial, earned):
    assert grade_item(kind=kind, correct=correct, chosen=chosen, points=2, partial_credit=partial) == Decimal(
        earned
    )


def regrade(paper: list[dict], answers: dict[int, list[str]], partial: bool) -> Fraction:
    """A deliberately plain re-grader, written apart from exams.grading."""
    total = Fraction(0)
    for item in paper:
        chosen = sorted(set(answers.get(item["position"], [])))
        correct = sorted(item["correct"])
        if chosen and chosen == correct:
            total += item["points"]
        elif (
            item["kind"] == "multiple"
            and partial
            and len(chosen) > 0
            and all(key in correct for key in chosen)
            and len(chosen) < len(correct)
        ):
            total += Fraction(item["points"], 2)
    return total


@st.composite
def papers(draw):
    size = draw(st.integers(min_value=1, max_value=12))
    paper = []
    answers = {}
    for position in range(1, size + 1):
        kind = draw(st.sampled_from(["single", "multiple", "judge"]))
        options = ["T", "F"] if kind == "judge" else list(KEYS[: draw(st.integers(min_value=2, max_value=5))])
        if kind == "multiple":
            correct = draw(st.lists(st.sampled_from(options), min_size=2, max_size=len(options), unique=True))
        else:
            correct = [draw(st.sampled_from(options))]
        points = draw(st.integers(min_value=1, max_value=5))
        paper.append(
            {"position": position, "kind": kind, "options": options, "correct": correct, "points": points}
        )
        if draw(st.booleans()):
            limit = len(options) if kind == "multiple" else 1
            answers[position] = draw(st.lists(st.sampled_from(options), max_size=limit, unique=True))
    return paper, answers


def build_attempt(paper, answers, *, partial, deadline):
    question = QuestionFactory()
    total = sum(item["points"] for item in paper)
    session = ExamSessionFactory(
        exam=ExamFactory(
            partial_credit=partial, pass_score=total, rules=[RuleIn(kind="single", count=1, points=total)]
        )
    )
    now = timezone.now()
    attempt = Attempt.objects.create(
        session=session, candidate=UserFactory(), number=1, started_at=now, deadline=deadline, max_score=total
    )
    items = AttemptItem.objects.bulk_create(
        [
            AttemptItem(
                attempt=attempt,
                position=item["position"],
                question=question,
                kind=item["kind"],
                stem=f"题{item['position']}",
                options=[{"key": key, "text": key} for key in item["options"]],
                points=item["points"],
                correct=sorted(item["correct"]),
                category="宪法",
            )
            for item in paper
        ]
    )
    AttemptAnswer.objects.bulk_create(
        [
            AttemptAnswer(attempt=attempt, item=items[position - 1], keys=sorted(keys), saved_at=now)
            for position, keys in answers.items()
        ]
    )
    return attempt


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=papers(), partial=st.booleans())
def test_submit_scores_equal_an_independent_regrade(data, partial):
    paper, answers = data
    attempt = build_attempt(paper, answers, partial=partial, deadline=timezone.now() + timedelta(hours=1))

    result = attempt_submit(attempt_id=attempt.pk, candidate=attempt.candidate, now=timezone.now())

    expected = regrade(paper, answers, partial)
    assert Fraction(str(result.score)) == expected
    attempt.refresh_from_db()
    assert Fraction(str(attempt.score)) == expected
    assert attempt.passed == (expected >= attempt.max_score)
    assert sum(Fraction(str(e)) for e in attempt.items.values_list("earned", flat=True)) == expected


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(papers(), min_size=1, max_size=4), partial=st.booleans())
def test_auto_submit_in_bulk_scores_equal_an_independent_regrade(batch, partial):
    now = timezone.now()
    attempts = [
        (build_attempt(paper, answers, partial=partial, deadline=now - timedelta(minutes=5)), paper, answers)
        for paper, answers in batch
    ]

    submitted = attempts_submit_overdue(now=now)

    assert submitted == len(attempts)
    for attempt, paper, answers in attempts:
        attempt.refresh_from_db()
        assert (attempt.status, attempt.auto_submitted) == (AttemptStatus.SUBMITTED, True)
        assert Fraction(str(attempt.score)) == regrade(paper, answers, partial)
    Attempt.objects.all().delete()
