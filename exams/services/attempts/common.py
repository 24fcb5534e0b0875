"""What the start, save and submit modules share: results, the overdue rule and the one query
that locks an attempt. The not-found error is in ``exams.errors``; reading a paper
(``PaperItem``, ``item_rows``, ``paper_items``) is a read, in ``exams.selectors``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.dispatch import Signal

from people.models import User

from ...models import SAVE_GRACE, Attempt, AttemptItem, AttemptStatus
from ...selectors import PaperItem

# Sent after the transaction that graded attempts commits (a submit, an auto-submit, a
# regrade that changed a score), with ``attempt_ids``: how apps above ``exams`` (credentials)
# learn of new results without exams importing them.
attempts_graded = Signal()


@dataclass(frozen=True)
class AnswerIn:
    item: int
    keys: list[str]


@dataclass(frozen=True)
class SaveResult:
    saved: int
    saved_at: datetime
    deadline: datetime


class StartResult:
    """A started or resumed attempt and its paper (with the saved answers).

    ``items_json`` is set when the start claimed a paper drawn ahead: its items as the API sends
    them (``Attempt.paper_json``), which the API sends as is; ``items`` then decodes them on first
    use. The attempt's ``session`` and its ``exam`` are loaded (after a claim: their id and title).
    """

    __slots__ = ("_items", "attempt", "created", "items_json")

    def __init__(
        self,
        *,
        attempt: Attempt,
        created: bool,
        items: list[PaperItem] | None = None,
        items_json: str | None = None,
    ) -> None:
        assert (items is None) != (items_json is None), "items or items_json"
        self.attempt = attempt
        self.created = created
        self.items_json = items_json
        self._items = items

    @property
    def items(self) -> list[PaperItem]:
        if self._items is None:
            self._items = [PaperItem(**item) for item in json.loads(self.items_json or "[]")]
        return self._items


@dataclass(frozen=True)
class SubmitResult:
    attempt_id: int
    status: str
    score: Decimal
    max_score: int
    passed: bool


def is_overdue(*, deadline: datetime, status: str, now: datetime) -> bool:
    return status == AttemptStatus.IN_PROGRESS and now > deadline + SAVE_GRACE


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


def drawn_papers_delete(drawn: QuerySet[Attempt]) -> int:
    """Delete the papers drawn ahead in ``drawn`` (an ``Attempt.with_drawn`` queryset) that are still
    unclaimed, with their items; how many. Call it inside a transaction: the rows are locked and
    re-checked as still drawn, so a claim that committed first keeps its attempt, and one waiting on
    the lock then finds nothing to claim and starts a fresh paper (or is refused)."""
    ids = list(
        drawn.select_for_update(of=("self",)).filter(status=AttemptStatus.DRAWN).values_list("pk", flat=True)
    )
    if ids:
        AttemptItem.objects.filter(attempt_id__in=ids).delete()
        Attempt.with_drawn.filter(pk__in=ids, status=AttemptStatus.DRAWN).delete()
    return len(ids)
