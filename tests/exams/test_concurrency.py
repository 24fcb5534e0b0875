"""Two tabs, two connections: concurrent saves and a submit racing them (runs on PostgreSQL in CI,
and on the SQLite file database, whose IMMEDIATE transactions serialise writers)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from exams import services
from exams.errors import AttemptClosed
from exams.grading import grade_item
from exams.models import Attempt, AttemptAnswer, AttemptItem, AttemptStatus, QuestionKind
from exams.services import AnswerIn
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 25


def in_threads(*targets: Callable[[], Any]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def run(target: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.fixture
def sitting():
    QuestionFactory.create_batch(4, kind=QuestionKind.MULTIPLE)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.MULTIPLE, count=4, points=1)])
    )
    user = UserFactory()
    result = services.attempt_start(session_id=session.pk, candidate=user, now=timezone.now())
    return user, result.attempt.pk, [item.id for item in result.items]


def test_two_tabs_saving_at_once_lose_nothing_and_the_last_acknowledged_value_of_an_item_stays(sitting):
    user, attempt_id, items = sitting
    acknowledged: dict[str, list[tuple[int, list[str]]]] = {"left": [], "right": []}
    shared = items[0]
    keys = [["A"], ["B"], ["C"], ["A", "B"], ["B", "C"], ["A", "C", "D"]]

    def tab(name: str, own_items: list[int], offset: int) -> Callable[[], None]:
        def save_rounds() -> None:
            for n in range(ROUNDS):
                chosen = keys[(n + offset) % len(keys)]
                batch = [AnswerIn(item=item, keys=chosen) for item in [shared, *own_items]]
                services.attempt_answers_save(
                    attempt_id=attempt_id, candidate=user, answers=batch, now=timezone.now()
                )
                acknowledged[name].append((n, chosen))

        return save_rounds

    errors = in_threads(tab("left", items[1:2], 0), tab("right", items[2:3], 3))

    assert errors == []
    stored = dict(AttemptAnswer.objects.filter(attempt_id=attempt_id).values_list("item_id", "keys"))
    assert len(acknowledged["left"]) == len(acknowledged["right"]) == ROUNDS
    assert stored[items[1]] == acknowledged["left"][-1][1]
    assert stored[items[2]] == acknowledged["right"][-1][1]
    assert stored[shared] in (acknowledged["left"][-1][1], acknowledged["right"][-1][1])
    assert items[3] not in stored


def test_every_acknowledged_save_is_graded_when_a_submit_races_the_saves(sitting):
    user, attempt_id, items = sitting
    acknowledged: list[list[str]] = []
    refused: list[str] = []
    # ["A", "C"] is the key: a save landing after the grading would leave a score that a
    # re-grade of the stored answers contradicts.
    patterns = [["A", "B"], ["A", "C"], ["C"], ["A", "B", "C", "D"], ["A", "C"], ["D"]]

    def saver() -> None:
        for n in range(ROUNDS * 2):
            chosen = patterns[n % len(patterns)]
            try:
                services.attempt_answers_save(
                    attempt_id=attempt_id,
                    candidate=user,
                    answers=[AnswerIn(item=item, keys=chosen) for item in items[:2]],
                    now=timezone.now(),
                )
            except AttemptClosed as closed:
                refused.append(closed.code)
                return
            acknowledged.append(chosen)

    def submitter() -> None:
        for _n in range(ROUNDS // 2):  # let a few saves through first (a read, not a sleep)
            Attempt.objects.filter(pk=attempt_id).exists()
        services.attempt_submit(attempt_id=attempt_id, candidate=user, now=timezone.now())

    errors = in_threads(saver, submitter)

    assert errors == []
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert refused in ([], ["attempt_closed"])
    answers = {answer.item_id: answer for answer in AttemptAnswer.objects.filter(attempt_id=attempt_id)}
    assert {item_id: answer.keys for item_id, answer in answers.items()} == (
        {items[0]: acknowledged[-1], items[1]: acknowledged[-1]} if acknowledged else {}
    )
    assert attempt.submitted_at is not None
    assert all(answer.saved_at <= attempt.submitted_at for answer in answers.values())
    regraded = {
        item.pk: grade_item(
            kind=item.kind,
            correct=item.correct,
            chosen=answers[item.pk].keys if item.pk in answers else None,
            points=item.points,
            partial_credit=False,
        )
        for item in AttemptItem.objects.filter(attempt_id=attempt_id)
    }
    assert dict(AttemptItem.objects.filter(attempt_id=attempt_id).values_list("id", "earned")) == regraded
    assert attempt.score == sum(regraded.values())


def test_two_tabs_starting_at_once_get_one_attempt():
    QuestionFactory.create_batch(4, kind=QuestionKind.MULTIPLE)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.MULTIPLE, count=4, points=1)])
    )
    user = UserFactory()
    results: list[services.StartResult] = []

    def tab() -> None:
        results.append(services.attempt_start(session_id=session.pk, candidate=user, now=timezone.now()))

    errors = in_threads(tab, tab)

    assert errors == []
    assert Attempt.objects.count() == 1
    assert {result.attempt.pk for result in results} == {Attempt.objects.get().pk}
    assert sorted(result.created for result in results) == [False, True]
    assert results[0].items == results[1].items


def test_two_tabs_saving_the_same_items_in_opposite_orders_never_deadlock():
    """Each save locks its answer rows in item order: were they locked in the order the client sent
    them, two batches of the same items in opposite orders would deadlock on PostgreSQL (a 500)."""
    QuestionFactory.create_batch(30, kind=QuestionKind.MULTIPLE)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.MULTIPLE, count=30, points=1)])
    )
    user = UserFactory()
    attempt_id = services.attempt_start(session_id=session.pk, candidate=user, now=timezone.now()).attempt.pk
    items = list(AttemptItem.objects.filter(attempt_id=attempt_id).values_list("id", flat=True))
    saved = {"forward": 0, "backward": 0}

    def tab(name: str, order: list[int], keys: list[str]) -> Callable[[], None]:
        def save_rounds() -> None:
            for _n in range(ROUNDS * 2):
                result = services.attempt_answers_save(
                    attempt_id=attempt_id,
                    candidate=user,
                    answers=[AnswerIn(item=item, keys=keys) for item in order],
                    now=timezone.now(),
                )
                saved[name] += result.saved

        return save_rounds

    errors = in_threads(tab("forward", items, ["A"]), tab("backward", items[::-1], ["B"]))

    assert errors == []
    assert saved == {"forward": ROUNDS * 2 * 30, "backward": ROUNDS * 2 * 30}
    stored = list(AttemptAnswer.objects.filter(attempt_id=attempt_id).values_list("keys", flat=True))
    assert len(stored) == 30
    assert stored in ([["A"]] * 30, [["B"]] * 30)  # one statement is all or nothing, so one batch wins whole
