"""Factories for the exam engine. Questions, exams and sessions are made through the services,
so the bank version moves and rules are checked as in production."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from exams.models import Exam, ExamKind, ExamSession, LawArea, Question, QuestionKind, ReviewPolicy
from exams.services import QuestionIn, RuleIn, exam_create, law_area_create, question_create

from .base import ModelFactory

__all__ = [
    "CIVIL_PRACTICE_RULES",
    "ExamFactory",
    "ExamSessionFactory",
    "LawAreaFactory",
    "QuestionFactory",
    "RuleIn",
]

_FOUR_OPTIONS = [{"key": key, "text": f"选项{key}"} for key in "ABCD"]


class LawAreaFactory(ModelFactory[LawArea]):
    """A bureau's own law area, added through the service (the nine seed areas exist already)."""

    class Meta:
        model = LawArea

    name = factory.Sequence(lambda n: f"地方性法规{n}")

    @classmethod
    def _create(cls, model_class: type[LawArea], *args: Any, **kwargs: Any) -> LawArea:
        return law_area_create(name=kwargs["name"])


class QuestionFactory(ModelFactory[Question]):
    """A single-choice question (answer B) unless told otherwise; ``kind="judge"`` gets T/F, answer T."""

    class Meta:
        model = Question

    kind = QuestionKind.SINGLE
    stem = factory.Sequence(lambda n: f"第{n}题：依据法律规定，下列说法正确的是（　）。")
    options = factory.LazyAttribute(lambda o: [] if o.kind == QuestionKind.JUDGE else list(_FOUR_OPTIONS))
    answer = factory.LazyAttribute(
        lambda o: (
            ["T"]
            if o.kind == QuestionKind.JUDGE
            else (["A", "C"] if o.kind == QuestionKind.MULTIPLE else ["B"])
        )
    )
    explanation = factory.Sequence(lambda n: f"解析{n}：依据法条作答。")
    law_reference = factory.Sequence(lambda n: f"《中华人民共和国宪法》第{n}条")
    category = LawArea.CONSTITUTION
    difficulty = 3
    is_active = True

    @classmethod
    def _create(cls, model_class: type[Question], *args: Any, **kwargs: Any) -> Question:
        is_active = kwargs.pop("is_active", True)
        return question_create(data=QuestionIn(**kwargs), is_active=is_active)


# A practice paper of two 民法典 single-choice questions (the exam tests' ``bank`` has two).
CIVIL_PRACTICE_RULES = [RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE, count=2, points=5)]


class ExamFactory(ModelFactory[Exam]):
    """An annual exam: 2 single (2 points each) + 1 multiple (3) + 1 judge (1) = 8 points, pass 5,
    all 宪法 (the questions' default law area); two attempts, keys shown once the session has closed.

    A practice exam that must be drawable while such a session is open asks for another law area
    (``rules=CIVIL_PRACTICE_RULES``): practice never draws what an open formal session could."""

    class Meta:
        model = Exam

    title = factory.Sequence(lambda n: f"年度学法考试{n}")
    kind = ExamKind.ANNUAL
    duration_minutes = 60
    pass_score = 5
    max_attempts = 2
    review_policy = ReviewPolicy.AFTER_CLOSE
    shuffle_options = True
    partial_credit = False
    rules = factory.LazyFunction(
        lambda: [
            RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION, count=2, points=2),
            RuleIn(kind=QuestionKind.MULTIPLE, category=LawArea.CONSTITUTION, count=1, points=3),
            RuleIn(kind=QuestionKind.JUDGE, category=LawArea.CONSTITUTION, count=1, points=1),
        ]
    )

    @classmethod
    def _create(cls, model_class: type[Exam], *args: Any, **kwargs: Any) -> Exam:
        return exam_create(**kwargs)


class ExamSessionFactory(ModelFactory[ExamSession]):
    """A session open from an hour ago for a day, for everyone. It does not check the bank
    (``session_schedule`` does); ``departments=[...]`` sets the audience."""

    class Meta:
        model = ExamSession
        skip_postgeneration_save = True

    exam = factory.SubFactory(ExamFactory)
    title = factory.Sequence(lambda n: f"考试场次{n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=1))
    enforcement_officers_only = False

    @factory.post_generation
    def departments(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.departments.set(extracted)  # type: ignore[attr-defined]
