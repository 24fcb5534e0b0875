"""Reads of the administrators' workspace. Administrators see every session, so nothing here is
scoped further; the views admit exam administrators only.

    session_overview(*, now, limit) -> list[SessionOverviewRow]   state, audience, started, submitted
    audience_size(*, departments, enforcement_officers_only) -> int   who a session would admit
    session_results(*, session, department=None) -> list[ResultRow]   every eligible candidate's standing
    bank_counts() -> dict[(kind, category), int]                      active questions per kind and area

Statement counts: ``session_overview`` makes two queries plus one per session (the audience of a
session is a subtree filter of its own); ``session_results`` three; ``bank_counts`` one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from people.models import Department
from people.scope import subtree_q

from ..eligibility import eligible_candidates, eligible_users_q
from ..models import Attempt, AttemptStatus, ExamSession, Question
from ..selectors import session_state

NOT_STARTED = "not_started"


@dataclass(frozen=True)
class SessionOverviewRow:
    session: ExamSession
    state: str  # upcoming | open | closed
    audience: int
    started: int
    submitted: int


def session_overview(*, now: datetime, limit: int = 100) -> list[SessionOverviewRow]:
    """The newest sessions (practice sessions left out) with their audience and participation."""
    sessions = list(
        ExamSession.objects.select_related("exam")
        .prefetch_related("departments")
        .exclude(exam__kind="practice")
        .order_by("-opens_at", "-id")[:limit]
    )
    counts: dict[int, Any] = {
        row["session"]: row
        for row in Attempt.objects.filter(session__in=sessions)
        .values("session")
        .annotate(
            started=Count("candidate", distinct=True),
            submitted=Count("candidate", distinct=True, filter=Q(status=AttemptStatus.SUBMITTED)),
        )
    }
    return [
        SessionOverviewRow(
            session=session,
            state=session_state(session, now),
            audience=eligible_candidates(session).count(),
            started=counts.get(session.pk, {}).get("started", 0),
            submitted=counts.get(session.pk, {}).get("submitted", 0),
        )
        for session in sessions
    ]


def audience_size(*, departments: Iterable[Department], enforcement_officers_only: bool) -> int:
    """How many people a session for this audience admits (the eligibility rule of ``exams.eligibility``)."""
    from people.models import User

    return User.objects.filter(
        eligible_users_q(
            department_paths=[department.path for department in departments],
            enforcement_officers_only=enforcement_officers_only,
        )
    ).count()


@dataclass(frozen=True)
class ResultRow:
    candidate_id: int
    name: str
    employee_no: str
    department: str
    status: str  # not_started | in_progress | submitted
    attempts: int
    score: Decimal | None  # the best submitted score
    passed: bool
    time_used: timedelta | None  # of the best submitted attempt


def session_results(*, session: ExamSession, department: Department | None = None) -> list[ResultRow]:
    """Every candidate eligible for ``session`` (within ``department``'s subtree if given), by department
    and name, with their best submitted attempt: a candidate who passed counts as passed."""
    candidates = eligible_candidates(session).select_related("department")
    if department is not None:
        candidates = candidates.filter(subtree_q([department.path], field="department__path"))
    people = list(
        candidates.order_by("department__path", "name", "username", "id").values_list(
            "id", "name", "username", "employee_no", "department__name"
        )
    )
    attempts: dict[int, list[tuple[str, Decimal | None, bool | None, datetime, datetime | None]]]
    attempts = defaultdict(list)
    for candidate_id, status, score, passed, started_at, submitted_at in Attempt.objects.filter(
        session=session, candidate_id__in=[person[0] for person in people]
    ).values_list("candidate_id", "status", "score", "passed", "started_at", "submitted_at"):
        attempts[candidate_id].append((status, score, passed, started_at, submitted_at))
    rows = []
    for candidate_id, name, username, employee_no, department_name in people:
        own = attempts.get(candidate_id, [])
        submitted = [a for a in own if a[0] == AttemptStatus.SUBMITTED]
        best = max(submitted, key=lambda a: (bool(a[2]), a[1] or Decimal(0), -a[3].timestamp()), default=None)
        if best is not None:
            status = AttemptStatus.SUBMITTED.value
        elif own:
            status = AttemptStatus.IN_PROGRESS.value
        else:
            status = NOT_STARTED
        rows.append(
            ResultRow(
                candidate_id=candidate_id,
                name=name or username,
                employee_no=employee_no or "",
                department=department_name or "",
                status=status,
                attempts=len(own),
                score=best[1] if best else None,
                passed=bool(best and best[2]),
                time_used=(best[4] - best[3]) if best and best[4] else None,
            )
        )
    return rows


def bank_counts() -> dict[tuple[str, str], int]:
    """Active questions per (kind, law area); a rule without an area counts every area of its kind."""
    counts: dict[tuple[str, str], int] = {}
    for kind, category, number in (
        Question.objects.filter(is_active=True).values_list("kind", "category").annotate(n=Count("id"))
    ):
        counts[(kind, category)] = number
        counts[(kind, "")] = counts.get((kind, ""), 0) + number
    return counts
