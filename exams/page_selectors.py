"""Reads the web pages need beyond ``exams.selectors``; each is limited to the asking user's own rows.

    submitted_attempts_by_session(*, user, session_ids, now) -> dict[int, list[AttemptSummary]]
    practice_exams() -> list[Exam]
    practice_attempts(*, user, now, limit=10) -> list[AttemptSummary]
    practice_attempts_in_progress(*, user, now) -> list[AttemptSummary]
    board_session(*, session_id) -> ExamSession                 (404 when there is no such session)

They live apart from ``selectors.py`` so the pages add reads without editing the engine's module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from people.models import User

from .models import SAVE_GRACE, Attempt, AttemptStatus, Exam, ExamKind, ExamSession
from .services import AttemptNotFound


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    session_id: int
    title: str
    number: int
    status: str
    started_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    score: Decimal | None
    max_score: int
    passed: bool | None
    # In progress and still before its deadline plus grace: the candidate can go on answering.
    resumable: bool


def _summaries(rows: Iterable[tuple[Any, ...]], now: datetime) -> list[AttemptSummary]:
    return [
        AttemptSummary(
            id=attempt_id,
            session_id=session_id,
            title=title,
            number=number,
            status=status,
            started_at=started_at,
            deadline=deadline,
            submitted_at=submitted_at,
            score=score,
            max_score=max_score,
            passed=passed,
            resumable=status == AttemptStatus.IN_PROGRESS and now <= deadline + SAVE_GRACE,
        )
        for (
            attempt_id,
            session_id,
            title,
            number,
            status,
            started_at,
            deadline,
            submitted_at,
            score,
            max_score,
            passed,
        ) in rows
    ]


_SUMMARY_FIELDS = (
    "id",
    "session_id",
    "session__title",
    "number",
    "status",
    "started_at",
    "deadline",
    "submitted_at",
    "score",
    "max_score",
    "passed",
)


def submitted_attempts_by_session(
    *, user: User, session_ids: list[int], now: datetime
) -> dict[int, list[AttemptSummary]]:
    """The user's own submitted attempts of these sessions, newest first, by session (one query)."""
    if not session_ids:
        return {}
    rows = (
        Attempt.objects.filter(candidate=user, session_id__in=session_ids, status=AttemptStatus.SUBMITTED)
        .order_by("-number")
        .values_list(*_SUMMARY_FIELDS)
    )
    grouped: dict[int, list[AttemptSummary]] = defaultdict(list)
    for summary in _summaries(rows, now):
        grouped[summary.session_id].append(summary)
    return dict(grouped)


def practice_exams() -> list[Exam]:
    """The practice exams listed in practice, which anyone may start (newest first)."""
    return list(Exam.objects.filter(kind=ExamKind.PRACTICE, listed_in_practice=True).order_by("-id"))


def practice_attempts(*, user: User, now: datetime, limit: int = 10) -> list[AttemptSummary]:
    """The user's own latest practice attempts (one query)."""
    rows = (
        Attempt.objects.filter(candidate=user, session__exam__kind=ExamKind.PRACTICE)
        .order_by("-started_at", "-id")
        .values_list(*_SUMMARY_FIELDS)[:limit]
    )
    return _summaries(rows, now)


def practice_attempts_in_progress(*, user: User, now: datetime) -> list[AttemptSummary]:
    """The user's practice attempts that can still be answered (one query)."""
    rows = (
        Attempt.objects.filter(
            candidate=user,
            session__exam__kind=ExamKind.PRACTICE,
            status=AttemptStatus.IN_PROGRESS,
            deadline__gte=now - SAVE_GRACE,
        )
        .order_by("deadline", "id")
        .values_list(*_SUMMARY_FIELDS)
    )
    return _summaries(rows, now)


def board_session(*, session_id: int) -> ExamSession:
    """A session with its exam, for the administrators' live board; ``AttemptNotFound`` (404) otherwise."""
    session = ExamSession.objects.select_related("exam").filter(pk=session_id).first()
    if session is None:
        raise AttemptNotFound(_("没有这个考试场次。"))
    return session
