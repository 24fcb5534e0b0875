"""What the start, save and submit modules share: results, the not-found error, the overdue
rule, reading a paper, and the one query that locks an attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.dispatch import Signal

from common.errors import DomainError
from people.models import User

from ...models import SAVE_GRACE, Attempt, AttemptItem, AttemptStatus

# Sent after the transaction that graded attempts commits (a submit, an auto-submit, a
# regrade that changed a score), with ``attempt_ids``: how apps above ``exams`` (credentials)
# learn of new results without exams importing them.
attempts_graded = Signal()


class AttemptNotFound(DomainError):
    code = "not_found"
    status_code = 404


@dataclass(frozen=True)
class AnswerIn:
    item: int
    keys: list[str]


@dataclass(frozen=True)
class SaveResult:
    saved: int
    saved_at: datetime
    deadline: datetime


@dataclass(frozen=True)
class PaperItem:
    """An item as the candidate sees it: never the correct keys or the explanation."""

    id: int
    position: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    points: int
    answer: list[str]


@dataclass(frozen=True)
class StartResult:
    attempt: Attempt
    created: bool
    items: list[PaperItem]


@dataclass(frozen=True)
class SubmitResult:
    attempt_id: int
    status: str
    score: Decimal
    max_score: int
    passed: bool


def is_overdue(*, deadline: datetime, status: str, now: datetime) -> bool:
    return status == AttemptStatus.IN_PROGRESS and now > deadline + SAVE_GRACE


def item_rows(attempt: Attempt, *fields: str) -> list[dict[str, Any]]:
    """The attempt's items in paper order, one query: each a dict of what the candidate sees
    (id, position, kind, stem, options, points), the saved ``keys`` ([] when none), and ``fields``."""
    rows = list(
        AttemptItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values("id", "position", "kind", "stem", "options", "points", *fields, keys=F("answer__keys"))
    )
    for row in rows:
        row["keys"] = row["keys"] or []
    return rows


def paper_items(attempt: Attempt) -> list[PaperItem]:
    """The attempt's paper with the saved answers; one query."""
    items = []
    for row in item_rows(attempt):
        keys = row.pop("keys")
        items.append(PaperItem(**row, answer=keys))
    return items


def locked_attempts(*, skip_locked: bool = False) -> QuerySet[Attempt]:
    """Attempts locked ``FOR UPDATE`` (only the attempts' rows), with their session and exam.

    The one lock every change of an attempt's state takes first (submit, auto-submit, extra
    time), so a save's guarded upsert (``FOR KEY SHARE``) waits for it. ``skip_locked`` passes
    over rows another transaction holds (the overdue sweep). Evaluate inside a transaction.
    """
    return (
        Attempt.objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("session__exam")
        .defer("item_index")
    )


def attempt_locked(*, attempt_id: int, candidate: User | None = None) -> Attempt | None:
    """One attempt through :func:`locked_attempts`; ``candidate`` limits it to that person's."""
    query = locked_attempts().filter(pk=attempt_id)
    if candidate is not None:
        query = query.filter(candidate=candidate)
    return query.first()
