"""Question pools: cached per bank version, moved by every write to the bank, rebuilt when stale."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams import pools, services
from exams.models import Attempt, LawArea, Question, QuestionKind
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

pytestmark = pytest.mark.django_db

SINGLE_ANY = (QuestionKind.SINGLE, "")
SINGLE_CIVIL = (QuestionKind.SINGLE, LawArea.CIVIL_CODE)


def test_a_pool_is_read_once_per_bank_version_and_every_write_moves_the_version():
    constitution = QuestionFactory.create_batch(2)
    civil = QuestionFactory(category=LawArea.CIVIL_CODE)
    QuestionFactory(kind=QuestionKind.JUDGE)

    with CaptureQueriesContext(connection) as first:
        built = pools.rule_pools([SINGLE_ANY, SINGLE_CIVIL])
    with CaptureQueriesContext(connection) as second:
        cached = pools.rule_pools([SINGLE_ANY, SINGLE_CIVIL])

    assert built == cached == {SINGLE_ANY: [q.id for q in [*constitution, civil]], SINGLE_CIVIL: [civil.id]}
    assert (len(first), len(second)) == (1, 0)

    services.question_set_active(question_ids=[constitution[0].id], is_active=False)
    assert pools.rule_pools([SINGLE_ANY])[SINGLE_ANY] == [constitution[1].id, civil.id]
    added = QuestionFactory()
    assert pools.rule_pools([SINGLE_ANY])[SINGLE_ANY] == [constitution[1].id, civil.id, added.id]


def test_a_stale_pool_is_rebuilt_while_drawing():
    questions = QuestionFactory.create_batch(3)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=2, points=1)])
    )
    pools.rule_pools([SINGLE_ANY])
    # A change behind the services' back: the cached pool still lists this question.
    Question.objects.filter(pk=questions[0].pk).update(is_active=False)

    for seed in range(5):
        result = services.attempt_start(
            session_id=session.pk, candidate=UserFactory(), now=session.opens_at, rng=random.Random(seed)
        )
        drawn = set(result.attempt.items.values_list("question_id", flat=True))
        assert drawn == {questions[1].id, questions[2].id}


def test_a_bank_too_small_at_start_is_409_naming_the_rule():
    QuestionFactory()
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=2, points=1)])
    )
    from tests.conftest import token_client

    response = token_client(UserFactory()).post(f"/api/v1/exam-sessions/{session.id}/attempts/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "题库不足以组卷：第 1 条规则（单选 · 不限分类 · 2 题）的题目不够。",
        "code": "bank_insufficient",
    }
    assert Attempt.objects.count() == 0
