"""Fixtures for the exam engine's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams import pools
from exams.models import Exam, ExamSession, LawArea, QuestionKind
from people.models import User
from tests.factories import QuestionFactory

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


@pytest.fixture(autouse=True)
def fresh_bank_version() -> None:
    """Pools cached by an earlier test (whose rows were rolled back) are never read."""
    pools._bump()


@pytest.fixture
def bank(db: Any) -> dict[str, list[Any]]:
    """A small bank: 4 single (answer B), 2 multiple (A, C), 2 judge (T), all 宪法, plus 2 single 民法典."""
    return {
        "single": QuestionFactory.create_batch(4, kind=QuestionKind.SINGLE),
        "multiple": QuestionFactory.create_batch(2, kind=QuestionKind.MULTIPLE),
        "judge": QuestionFactory.create_batch(2, kind=QuestionKind.JUDGE),
        "civil": QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE),
    }


class Statements:
    """Captured SQL, without the transaction control lines a test's own transaction adds."""

    def __init__(self, context: CaptureQueriesContext) -> None:
        self.context = context

    @property
    def sql(self) -> list[str]:
        return [
            query["sql"]
            for query in self.context.captured_queries
            if not query["sql"].startswith(TRANSACTION_CONTROL)
        ]

    def __len__(self) -> int:
        return len(self.sql)


@contextmanager
def statements() -> Iterator[Statements]:
    with CaptureQueriesContext(connection) as context:
        yield Statements(context)


def correct_payload(attempt_id: int) -> list[dict[str, Any]]:
    """Answers that are all right, read from the frozen paper (which the API never shows)."""
    from exams.models import AttemptItem

    return [
        {"item": item_id, "keys": list(correct)}
        for item_id, correct in AttemptItem.objects.filter(attempt_id=attempt_id)
        .order_by("position")
        .values_list("id", "correct")
    ]


def wrong_keys(kind: str, correct: list[str], options: list[str]) -> list[str]:
    """A wrong answer of the right shape for the item."""
    return [next(key for key in options if key not in correct)]


def field_named(body: dict[str, Any]) -> str:
    """The field a 400 names: a service's ``field``, or the serializer's first field in ``errors``."""
    return body["field"] if "field" in body else next(iter(body["errors"]))


def graded_exam(*, now: datetime, **exam_fields: Any) -> Exam:
    """The default exam with one submitted attempt (5 of 8 points, pass 5) and one in progress."""
    from exams import services
    from tests.factories import ExamFactory, ExamSessionFactory, UserFactory

    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.MULTIPLE)
    QuestionFactory(kind=QuestionKind.JUDGE)
    session = cast(
        ExamSession,
        ExamSessionFactory(exam=ExamFactory(**exam_fields), opens_at=now, closes_at=now + timedelta(days=1)),
    )
    submitted, sitting = cast(User, UserFactory()), cast(User, UserFactory())
    attempt = services.attempt_start(session_id=session.pk, candidate=submitted, now=now).attempt
    services.attempt_answers_save(
        attempt_id=attempt.pk,
        candidate=submitted,
        answers=[services.AnswerIn(item=a["item"], keys=a["keys"]) for a in correct_payload(attempt.pk)[1:3]],
        now=now,
    )
    services.attempt_submit(attempt_id=attempt.pk, candidate=submitted, now=now)
    services.attempt_start(session_id=session.pk, candidate=sitting, now=now)
    return session.exam
