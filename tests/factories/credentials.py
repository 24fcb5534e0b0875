"""Factories for credentials. A credential is always granted through the service, from a real passed
attempt of a qualification exam (started, answered and submitted through the exam engine), so the
invariant "no credential without a passed qualification attempt" holds in every test."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import factory
from django.utils import timezone

from credentials import services
from credentials.models import Credential
from exams import services as exam_services
from exams.models import Attempt, AttemptItem, Exam, ExamKind, ExamSession, LawArea, Question, QuestionKind
from exams.services import RuleIn
from people.models import User

from .exams import ExamFactory, ExamSessionFactory, QuestionFactory
from .people import UserFactory

__all__ = [
    "CredentialFactory",
    "QualificationExamFactory",
    "QualificationSessionFactory",
    "qualification_question",
    "sit_qualification",
]


def qualification_question() -> Question:
    """The one single-choice 行政处罚法 question (answer B) that qualification papers draw."""
    question = Question.objects.filter(
        kind=QuestionKind.SINGLE, category=LawArea.ADMINISTRATIVE_PENALTY, is_active=True
    ).first()
    return question or cast(
        Question, QuestionFactory(kind=QuestionKind.SINGLE, category=LawArea.ADMINISTRATIVE_PENALTY)
    )


class QualificationExamFactory(ExamFactory):
    """A qualification exam of one 行政处罚法 single-choice question, 2 points, pass 2, valid 3 years."""

    title = factory.Sequence(lambda n: f"行政执法资格考试{n}")
    kind = ExamKind.QUALIFICATION
    pass_score = 2
    max_attempts = 3
    validity_years = 3
    rules = factory.LazyFunction(
        lambda: [RuleIn(kind=QuestionKind.SINGLE, count=1, points=2, category=LawArea.ADMINISTRATIVE_PENALTY)]
    )

    @classmethod
    def _create(cls, model_class: type[Exam], *args: Any, **kwargs: Any) -> Exam:
        qualification_question()
        return super()._create(model_class, *args, **kwargs)


class QualificationSessionFactory(ExamSessionFactory):
    exam = factory.SubFactory(QualificationExamFactory)
    title = factory.Sequence(lambda n: f"执法资格考试场次{n}")


def sit_qualification(
    *, candidate: User, session: ExamSession, now: datetime | None = None, correct: bool = True
) -> Attempt:
    """``candidate`` sits ``session`` at ``now``: answers every item right (or wrong) and submits."""
    now = now or timezone.now()
    attempt = exam_services.attempt_start(session_id=session.pk, candidate=candidate, now=now).attempt
    answers = []
    for item_id, right in AttemptItem.objects.filter(attempt=attempt).values_list("id", "correct"):
        keys = list(right) if correct else [next(key for key in "ABCD" if key not in right)]
        answers.append(exam_services.AnswerIn(item=item_id, keys=keys))
    exam_services.attempt_answers_save(attempt_id=attempt.pk, candidate=candidate, answers=answers, now=now)
    exam_services.attempt_submit(attempt_id=attempt.pk, candidate=candidate, now=now)
    attempt.refresh_from_db()
    return attempt


class CredentialFactory(factory.django.DjangoModelFactory):
    """A credential granted at ``granted_at`` (now by default) to ``holder`` for a pass of ``session``."""

    class Meta:
        model = Credential

    holder = factory.SubFactory(UserFactory, is_enforcement_officer=True)
    session = None
    granted_at = None

    @classmethod
    def _create(cls, model_class: type[Credential], *args: Any, **kwargs: Any) -> Credential:
        now = kwargs.get("granted_at") or timezone.now()
        session = kwargs.get("session") or cast(
            ExamSession,
            QualificationSessionFactory(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1)),
        )
        attempt = sit_qualification(candidate=kwargs["holder"], session=session, now=now)
        return services.credential_grant(attempt_id=attempt.pk, now=now).credential
