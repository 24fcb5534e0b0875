"""The invariant, over random sessions, practice exams and attempts: no review, 错题本 or new practice
paper gives a person the key, explanation or law reference of a question that a formal session they
may still sit could draw. The oracle below decides "could draw" on its own, in plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import DomainError
from exams import selectors, services
from exams.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ExamKind,
    LawArea,
    Question,
    QuestionKind,
    ReviewPolicy,
)
from tests.factories import (
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
KINDS = [QuestionKind.SINGLE, QuestionKind.JUDGE]
AREAS = [LawArea.CONSTITUTION, LawArea.CIVIL_CODE, LawArea.ADMINISTRATIVE_PENALTY]

rule = st.tuples(st.sampled_from(KINDS), st.sampled_from(["", *AREAS]))


@dataclass
class SessionSpec:
    kind: str
    rules: list[tuple[str, str]]
    window: str  # past | open | upcoming
    mine: bool  # for the person's department (else another one)
    max_attempts: int
    submitted: int
    in_progress: bool


sessions = st.builds(
    SessionSpec,
    kind=st.sampled_from([ExamKind.ANNUAL, ExamKind.QUALIFICATION]),
    rules=st.lists(rule, min_size=1, max_size=2, unique=True),
    window=st.sampled_from(["past", "open", "upcoming"]),
    mine=st.booleans(),
    max_attempts=st.integers(min_value=1, max_value=2),
    submitted=st.integers(min_value=0, max_value=2),
    in_progress=st.booleans(),
)


def windows(window: str) -> tuple[datetime, datetime]:
    return {
        "past": (NOW - timedelta(days=3), NOW - timedelta(days=2)),
        "open": (NOW - timedelta(hours=2), NOW + timedelta(days=1)),
        "upcoming": (NOW + timedelta(days=1), NOW + timedelta(days=2)),
    }[window]


def oracle_live(specs: list[tuple[SessionSpec, int, bool]], question: Question) -> bool:
    """Could a formal session the person may still sit draw ``question``? (used, in progress)"""
    for spec, used, saving in specs:
        _opens, closes = windows(spec.window)
        may_sit = (spec.mine and closes > NOW and used < spec.max_attempts) or saving
        if may_sit and any(
            kind == question.kind and category in ("", question.category) for kind, category in spec.rules
        ):
            return True
    return False


def build(person, spec, mine, other):
    opens, closes = windows(spec.window)
    session = ExamSessionFactory(
        exam=ExamFactory(
            kind=spec.kind,
            max_attempts=spec.max_attempts,
            pass_score=1,
            review_policy=ReviewPolicy.AFTER_CLOSE if spec.max_attempts > 1 else ReviewPolicy.AFTER_SUBMIT,
            rules=[RuleIn(kind=kind, category=category, count=1, points=1) for kind, category in spec.rules],
        ),
        opens_at=opens,
        closes_at=closes,
        departments=[mine if spec.mine else other],
    )
    used, saving = 0, False
    if not spec.mine:
        return used, saving
    for _n in range(min(spec.submitted, spec.max_attempts)):
        attempt = services.attempt_start(session_id=session.pk, candidate=person, now=opens).attempt
        services.attempt_submit(attempt_id=attempt.pk, candidate=person, now=opens + timedelta(minutes=1))
        used += 1
    if spec.in_progress and spec.window == "open" and used < spec.max_attempts:
        services.attempt_start(session_id=session.pk, candidate=person, now=NOW - timedelta(minutes=5))
        used, saving = used + 1, True
    return used, saving


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    formal=st.lists(sessions, max_size=3),
    earlier_practice=st.lists(rule, min_size=1, max_size=2, unique=True),
    practice_now=st.lists(rule, min_size=1, max_size=2, unique=True),
)
def test_no_path_shows_a_live_question(formal, earlier_practice, practice_now):
    with transaction.atomic():
        for kind in KINDS:
            for area in AREAS:
                QuestionFactory.create_batch(4, kind=kind, category=area)
        mine, other = DepartmentFactory(), DepartmentFactory()
        person = UserFactory(department=mine)
        # given a practice attempt drawn before any session existed, answered blank and submitted
        drill = ExamFactory(
            kind=ExamKind.PRACTICE,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            pass_score=1,
            rules=[
                RuleIn(kind=kind, category=category, count=2, points=1) for kind, category in earlier_practice
            ],
        )
        earlier = services.practice_start(candidate=person, exam_id=drill.pk, now=NOW - timedelta(days=30))
        services.attempt_submit(attempt_id=earlier.attempt.pk, candidate=person, now=NOW - timedelta(days=30))
        # and random formal sessions with the person's attempts
        specs = [(spec, *build(person, spec, mine, other)) for spec in formal]
        questions = {question.pk: question for question in Question.objects.all()}

        def live(question_id: int) -> bool:
            return oracle_live(specs, questions[question_id])

        # when the person reads every review and the 错题本, and starts a new practice
        for attempt in Attempt.objects.filter(candidate=person, status=AttemptStatus.SUBMITTED):
            attempt = selectors.attempt_for_candidate(attempt_id=attempt.pk, candidate=person)
            try:
                items = selectors.attempt_review(attempt=attempt, now=NOW)
            except DomainError:
                continue
            questions_of = dict(attempt.items.values_list("id", "question_id"))
            holds_live = any(live(question_id) for question_id in questions_of.values())
            for item in items:
                # then every item of a paper holding a live question is withheld, and no other
                assert item.withheld == holds_live
                if item.withheld:
                    assert (item.correct_keys, item.explanation, item.law_reference, item.is_correct) == (
                        [],
                        "",
                        "",
                        None,
                    )
        for mistake in selectors.mistakes_for_user(user=person, now=NOW):
            assert not live(mistake.question)
            paper = AttemptItem.objects.filter(attempt_id=mistake.last_attempt).values_list(
                "question_id", flat=True
            )
            assert not any(live(question_id) for question_id in paper)
        fresh = ExamFactory(
            kind=ExamKind.PRACTICE,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            pass_score=1,
            rules=[
                RuleIn(kind=kind, category=category, count=1, points=1) for kind, category in practice_now
            ],
        )
        try:
            started = services.practice_start(candidate=person, exam_id=fresh.pk, now=NOW)
        except DomainError as refusal:
            # then a refusal is right: some rule, or the two rules together, lack questions not live
            assert refusal.code == "practice_withheld"
            candidates = [
                {
                    q.pk
                    for q in questions.values()
                    if q.kind == kind and category in ("", q.category) and not live(q.pk)
                }
                for kind, category in practice_now
            ]
            assert any(not found for found in candidates) or len(set().union(*candidates)) < len(practice_now)
        else:
            drawn = started.attempt.items.values_list("question_id", flat=True)
            assert not any(live(question_id) for question_id in drawn)
        transaction.set_rollback(True)
