"""A key correction racing a start: the start has drawn (read) the question with its old key and not
yet committed when the correction runs. The correction must wait for it and correct its paper, so no
paper keeps the old key unregraded. Two threads, two connections (PostgreSQL in CI; on SQLite the
IMMEDIATE transactions serialise the two writers)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from exams import services
from exams.models import AnswerCorrection, AttemptItem, Question, QuestionKind
from exams.services.attempts import start as attempt_start_module
from tests.factories import (
    AdminFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 30  # seconds: a bound on waiting for the other thread, never a timing assertion


def waiting_on_a_lock() -> bool:
    """True while another connection of this database waits for a row lock (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


def test_a_correction_waits_for_a_start_that_drew_the_old_key_and_corrects_its_paper(monkeypatch):
    # given a one-question exam and a start paused after reading the drawn question, before it
    # writes the paper and commits
    question = QuestionFactory(kind=QuestionKind.SINGLE)  # key B
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind="single", count=1, points=1)])
    )
    candidate, admin = UserFactory(), AdminFactory()
    drawn, release, corrected = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []
    draw = attempt_start_module.draw_papers

    def pausing_draw(*args: Any, **kwargs: Any) -> Any:
        paper = draw(*args, **kwargs)  # the question is read, its paper not yet written
        drawn.set()
        release.wait(WAIT)
        return paper

    monkeypatch.setattr(attempt_start_module, "draw_papers", pausing_draw)

    def start() -> None:
        try:
            services.attempt_start(session_id=session.pk, candidate=candidate, now=timezone.now())
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def correct() -> None:
        try:
            services.question_correct_answer(
                question=Question.objects.get(pk=question.pk), answer=["C"], reason="答案有误", actor=admin
            )
            corrected.set()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when the correction runs while the start still holds its paper uncommitted
    starter = threading.Thread(target=start)
    starter.start()
    assert drawn.wait(WAIT)
    corrector = threading.Thread(target=correct)
    corrector.start()
    if connection.vendor == "postgresql":
        # the correction either finishes (the fault) or waits for the start's lock (the fix)
        while not corrected.is_set() and not waiting_on_a_lock():
            corrected.wait(0.05)
        finished_before_the_start_committed = corrected.is_set()
    else:
        finished_before_the_start_committed = False
    release.set()
    starter.join(WAIT)
    corrector.join(WAIT)

    # then the correction waited, and the paper drawn with the old key carries the new one
    assert errors == []
    assert not finished_before_the_start_committed
    item = AttemptItem.objects.get(question=question)
    assert item.correct == ["C"]
    correction = AnswerCorrection.objects.get()
    assert (correction.old_answer, correction.new_answer, correction.items_changed) == (["B"], ["C"], 1)
