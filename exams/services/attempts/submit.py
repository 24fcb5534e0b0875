"""Submitting and grading: by the candidate, on access once overdue, and by the beat task.

A submit takes the attempt's lock (:func:`.common.attempt_locked`), reads all items and
answers in one query, updates the attempt, and writes the items' points earned in bulk: at
most five statements whatever the size of the paper. The deadline is the server's; saves are
accepted until ``deadline + SAVE_GRACE``, after which the attempt is submitted with what was
saved — by ``exams.tasks.attempts_submit_overdue`` every minute, and by any access to it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from people.models import User

from ...errors import AttemptNotFound
from ...grading import grade_item, is_passed
from ...models import SAVE_GRACE, Attempt, AttemptItem, AttemptStatus, Exam
from .common import (
    SubmitResult,
    attempt_locked,
    attempts_graded,
    is_overdue,
    locked_attempts,
)

OVERDUE_BATCH = 500


@transaction.atomic
def attempt_submit(*, attempt_id: int, candidate: User, now: datetime) -> SubmitResult:
    """Submit and grade the candidate's attempt; submitting again returns the same result."""
    attempt = attempt_locked(attempt_id=attempt_id, candidate=candidate)
    if attempt is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    if attempt.status == AttemptStatus.IN_PROGRESS:
        _close_attempts(
            [attempt],
            exam_of={attempt.pk: attempt.session.exam},
            now=now,
            auto=is_overdue(deadline=attempt.deadline, status=attempt.status, now=now),
        )
    return submit_result(attempt)


def submit_result(attempt: Attempt) -> SubmitResult:
    assert attempt.score is not None and attempt.passed is not None
    return SubmitResult(
        attempt_id=attempt.pk,
        status=attempt.status,
        score=attempt.score,
        max_score=attempt.max_score,
        passed=attempt.passed,
    )


@transaction.atomic
def attempt_submit_if_overdue(*, attempt_id: int, now: datetime) -> bool:
    """Submit the attempt with its saved answers if it is past deadline plus grace; True if it did."""
    attempt = attempt_locked(attempt_id=attempt_id)
    if attempt is None or not is_overdue(deadline=attempt.deadline, status=attempt.status, now=now):
        return False
    _close_attempts([attempt], exam_of={attempt.pk: attempt.session.exam}, now=now, auto=True)
    return True


def attempts_submit_overdue(*, now: datetime, candidate: User | None = None) -> int:
    """Submit every attempt past its deadline plus grace, with what was saved; returns how many.

    Set-based, in batches: each batch locks its attempts (skipping rows a save holds
    at this moment: they are taken on the next run or their next access), reads all
    their items and answers in one query and writes the results in bulk. Safe to
    run twice or concurrently. ``candidate`` limits it to one person's attempts.
    """
    total = 0
    while True:
        count = _submit_overdue_batch(now=now, candidate=candidate)
        total += count
        if count < OVERDUE_BATCH:
            return total


@transaction.atomic
def _submit_overdue_batch(*, now: datetime, candidate: User | None) -> int:
    query = locked_attempts(skip_locked=True).filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=now - SAVE_GRACE
    )
    if candidate is not None:
        query = query.filter(candidate=candidate)
    attempts = list(query.order_by("pk")[:OVERDUE_BATCH])
    if attempts:
        _close_attempts(attempts, exam_of={a.pk: a.session.exam for a in attempts}, now=now, auto=True)
    return len(attempts)


def _close_attempts(attempts: list[Attempt], *, exam_of: dict[int, Exam], now: datetime, auto: bool) -> None:
    """Grade locked, in-progress attempts and mark them submitted (three statements for one attempt).

    An attempt is submitted no earlier than the last save it grades: a save that read the
    clock after the submit did, but wrote before the submit took the lock, is graded, and
    ``submitted_at`` moves up to its ``saved_at``.
    """
    ids = [attempt.pk for attempt in attempts]
    rows = (
        AttemptItem.objects.filter(attempt_id__in=ids)
        .order_by()
        .values_list("id", "attempt_id", "kind", "points", "correct", "answer__keys", "answer__saved_at")
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    submitted_at: dict[int, datetime] = defaultdict(lambda: now)
    graded: list[AttemptItem] = []
    for item_id, attempt_id, kind, points, correct, keys, saved_at in rows:
        if saved_at is not None and saved_at > submitted_at[attempt_id]:
            submitted_at[attempt_id] = saved_at
        earned = grade_item(
            kind=kind,
            correct=correct,
            chosen=keys,
            points=points,
            partial_credit=exam_of[attempt_id].partial_credit,
        )
        totals[attempt_id] += earned
        graded.append(AttemptItem(pk=item_id, earned=earned))
    for attempt in attempts:
        attempt.score = totals[attempt.pk]
        attempt.passed = is_passed(score=attempt.score, pass_score=exam_of[attempt.pk].pass_score)
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = submitted_at[attempt.pk]
        attempt.auto_submitted = auto
    if len(attempts) == 1:
        attempt = attempts[0]
        Attempt.objects.filter(pk=attempt.pk).update(
            score=attempt.score,
            passed=attempt.passed,
            status=attempt.status,
            submitted_at=attempt.submitted_at,
            auto_submitted=auto,
        )
    else:
        Attempt.objects.bulk_update(
            attempts, ["score", "passed", "status", "submitted_at", "auto_submitted"], batch_size=500
        )
    if graded:
        AttemptItem.objects.bulk_update(graded, ["earned"], batch_size=1000)
    transaction.on_commit(lambda: attempts_graded.send(sender=Attempt, attempt_ids=ids))
