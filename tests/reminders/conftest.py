"""Fixtures for the reminders' tests: a one-question exam to pass or fail, and the delivery path run
in-process, step by step, as the beat sweep and the workers run it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from exams import services as exam_services
from exams.models import ExamSession, QuestionKind
from people.models import User
from reminders import services
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn


@pytest.fixture
def one_question_exam(db: Any) -> Any:
    """An exam of one single-choice question (answer B), pass score 1, two attempts."""
    QuestionFactory(kind=QuestionKind.SINGLE)
    return ExamFactory(
        pass_score=1, max_attempts=2, rules=[RuleIn(kind=QuestionKind.SINGLE, count=1, points=1)]
    )


def session_for(exam: Any, *, opens_at: datetime, closes_at: datetime, **kwargs: Any) -> ExamSession:
    return cast(ExamSession, ExamSessionFactory(exam=exam, opens_at=opens_at, closes_at=closes_at, **kwargs))


def sit(session: ExamSession, person: User, *, now: datetime, passing: bool) -> int:
    """``person`` starts and submits an attempt now, answering right (B) or wrong (A)."""
    started = exam_services.attempt_start(session_id=session.pk, candidate=person, now=now)
    item = started.items[0]
    exam_services.attempt_answers_save(
        attempt_id=started.attempt.pk,
        candidate=person,
        answers=[exam_services.AnswerIn(item=item.id, keys=["B" if passing else "A"])],
        now=now,
    )
    exam_services.attempt_submit(attempt_id=started.attempt.pk, candidate=person, now=now)
    return started.attempt.pk


def deliver(*, now: datetime) -> None:
    """One sweep and everything it enqueues, run here in order (the workers' part, without Redis)."""
    services.occasions_create_due(now=now)
    services.occasions_plan(now=now)
    for batch_id in services.batches_claim(now=now):
        services.batch_fan_out(batch_id=batch_id, now=now)
    for occasion_id, channel in services.sends_due(now=now):
        services.deliveries_send(occasion_id=occasion_id, channel=channel, now=now)


def later(now: datetime, **kwargs: Any) -> datetime:
    return now + timedelta(**kwargs)
