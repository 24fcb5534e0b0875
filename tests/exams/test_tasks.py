"""Auto-submit of overdue attempts: the beat schedule, the task, and a real worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from exams import services
from exams.models import Attempt, AttemptStatus, QuestionKind
from exams.tasks import attempts_submit_overdue
from lawplatform.celery import app
from tests.exams.conftest import correct_payload
from tests.factories import ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_schedule_is_installed_by_migration_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="exams: submit overdue attempts")
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == (
        "exams.tasks.attempts_submit_overdue",
        60,
        "seconds",
        True,
    )


def sit(session, *, now, answered):
    user = UserFactory()
    result = services.attempt_start(session_id=session.pk, candidate=user, now=now)
    answers = [services.AnswerIn(item=a["item"], keys=a["keys"]) for a in correct_payload(result.attempt.pk)]
    services.attempt_answers_save(
        attempt_id=result.attempt.pk, candidate=user, answers=answers[:answered], now=now
    )
    return result.attempt.pk


@pytest.mark.django_db
def test_the_task_submits_overdue_attempts_with_their_saved_answers_and_is_idempotent(bank):
    session = ExamSessionFactory(
        exam=ExamFactory(duration_minutes=30),
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
    )
    early = sit(session, now=NOW, answered=4)
    late = sit(session, now=NOW + timedelta(minutes=5), answered=2)

    with time_machine.travel(NOW + timedelta(minutes=30, seconds=31), tick=False):
        first = attempts_submit_overdue()
        second = attempts_submit_overdue()

    assert (first, second) == (1, 0)
    submitted = Attempt.objects.get(pk=early)
    assert (submitted.status, submitted.auto_submitted, submitted.score, submitted.passed) == (
        AttemptStatus.SUBMITTED,
        True,
        Decimal("8.0"),
        True,
    )
    assert submitted.submitted_at == NOW + timedelta(minutes=30, seconds=31)
    assert Attempt.objects.get(pk=late).status == AttemptStatus.IN_PROGRESS

    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert attempts_submit_overdue() == 1
    assert Attempt.objects.get(pk=late).score == Decimal("4.0")
    assert Attempt.objects.get(pk=early).submitted_at == NOW + timedelta(minutes=30, seconds=31)


@pytest.mark.django_db
def test_the_task_works_in_batches(bank, monkeypatch):
    from exams.services import attempts as attempt_services

    monkeypatch.setattr(attempt_services, "OVERDUE_BATCH", 2)
    session = ExamSessionFactory(opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1))
    for _n in range(5):
        sit(session, now=NOW, answered=1)

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert attempts_submit_overdue() == 5
    assert set(Attempt.objects.values_list("status", flat=True)) == {AttemptStatus.SUBMITTED}


@pytest.mark.django_db
@pytest.mark.parametrize(("attempts", "paper_size"), [(1, 4), (6, 4), (6, 40)])
def test_the_task_costs_a_fixed_number_of_queries_whatever_the_attempts_and_papers(
    django_assert_max_num_queries, attempts, paper_size
):
    QuestionFactory.create_batch(paper_size, kind=QuestionKind.SINGLE)
    session = ExamSessionFactory(
        exam=ExamFactory(pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=paper_size, points=1)]),
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
    )
    ids = [sit(session, now=NOW, answered=paper_size - 1) for _n in range(attempts)]

    # one batch: savepoint, lock the attempts, read their items and answers, update the
    # attempts, update the items, release
    with time_machine.travel(NOW + timedelta(hours=2), tick=False), django_assert_max_num_queries(6):
        assert attempts_submit_overdue() == attempts

    assert set(Attempt.objects.filter(pk__in=ids).values_list("status", "score")) == {
        (AttemptStatus.SUBMITTED, Decimal(paper_size - 1))
    }


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_submits_an_overdue_attempt_through_redis():
    QuestionFactory(kind=QuestionKind.SINGLE)
    now = timezone.now()
    session = ExamSessionFactory(
        exam=ExamFactory(
            duration_minutes=10, pass_score=1, rules=[RuleIn(kind=QuestionKind.SINGLE, count=1, points=1)]
        ),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )
    attempt_id = sit(session, now=now - timedelta(minutes=30), answered=1)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        attempts_submit_overdue.delay()
        deadline = timezone.now() + timedelta(seconds=20)
        while (
            Attempt.objects.get(pk=attempt_id).status != AttemptStatus.SUBMITTED and timezone.now() < deadline
        ):
            time.sleep(0.1)

    attempt = Attempt.objects.get(pk=attempt_id)
    assert (attempt.status, attempt.auto_submitted, attempt.score) == (
        AttemptStatus.SUBMITTED,
        True,
        Decimal("1.0"),
    )
