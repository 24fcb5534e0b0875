"""Starting an attempt: resume the one in progress, claim the paper drawn ahead, or draw one now.

A start costs a fixed number of statements whatever the size of the paper or of the bank.
With a paper drawn ahead (``papers.session_papers_draw``) it is **one statement**:
:func:`.sql.drawn_paper_claim`, an ``UPDATE … RETURNING`` whose ``WHERE`` holds every check the
full path below makes before it claims a paper (the session open, the candidate eligible by
``exams.eligibility``, no other attempt of the session, attempts allowed), and which returns
the paper as the API sends it (``Attempt.paper_json``, written when it was drawn), so neither
the items nor the session are read and nothing is encoded. No transaction either.

When that claims nothing (no paper drawn ahead: a late joiner, someone added to the roster
after the draw, a retake, a resume, a refusal), the full path runs as before: the session with
eligibility (the department path read inside it), the candidate's attempts, then a resume, a
refusal, or a paper drawn now: pools from the cache (see ``exams.pools``), one ``id IN`` fetch of
the drawn questions, one insert of the attempt, one of its items, one update of its index.
Practice papers are never drawn ahead, so a practice start goes straight to the full path.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    DurationField,
    Expression,
    ExpressionWrapper,
    F,
    QuerySet,
    Value,
)
from django.db.models.functions import Least
from django.utils.translation import gettext as _

from common.errors import NotFound
from people.models import User

from ...eligibility import session_eligible_q, user_department_path_in_query
from ...errors import (
    NoAttemptsLeft,
    NoPracticeExam,
    NotEligible,
    SessionClosed,
    SessionNotOpen,
)
from ...live import live_pool_keys
from ...models import Attempt, AttemptStatus, Exam, ExamKind, ExamSession
from ...selectors import paper_items
from ..exams import exam_rule_specs, practice_session_for
from .common import StartResult, is_overdue
from .papers import attempt_deadline, draw_papers, freeze_papers, paper_max_score
from .sql import drawn_paper_claim
from .submit import attempt_submit_if_overdue


def attempt_start(
    *,
    session_id: int,
    candidate: User,
    now: datetime,
    rng: random.Random | None = None,
    include_unlisted: bool = False,
) -> StartResult:
    """Start an attempt of a session, or resume the candidate's attempt in progress.

    Raises ``NotEligible`` (403), ``NotFound`` (404, no such session),
    ``SessionNotOpen``/``SessionClosed``/``NoAttemptsLeft``/``BankInsufficient`` (409), and
    ``NoPracticeExam`` (409) for a practice exam kept out of practice (a course's quiz), which
    starts only through the caller that offers it (``practice_start(include_unlisted=True)``).
    A practice paper leaves out the questions live for the candidate (``exams.live``):
    ``PracticeWithheld`` (409) when the rest cannot fill it.
    An overdue attempt in progress is submitted first; then a new attempt starts if
    the session and the attempts allowed permit it. Two concurrent starts by the
    same candidate yield one attempt.
    """
    return _start(
        session_id=session_id,
        candidate=candidate,
        now=now,
        rng=rng,
        include_unlisted=include_unlisted,
        drawn_ahead=True,
    )


def _start(
    *,
    session_id: int,
    candidate: User,
    now: datetime,
    rng: random.Random | None,
    include_unlisted: bool,
    drawn_ahead: bool,
) -> StartResult:
    if drawn_ahead and candidate.is_active:
        claimed = _drawn_paper_claim(session_id=session_id, candidate=candidate, now=now)
        if claimed is not None:
            return claimed
    for _retry in range(3):
        try:
            return _attempt_start(
                session_id=session_id,
                candidate=candidate,
                now=now,
                rng=rng,
                include_unlisted=include_unlisted,
            )
        except _OverdueFound as overdue:
            attempt_submit_if_overdue(attempt_id=overdue.attempt_id, now=now)
        except IntegrityError:
            continue
    return _attempt_start(
        session_id=session_id, candidate=candidate, now=now, rng=rng, include_unlisted=include_unlisted
    )


class _OverdueFound(Exception):
    def __init__(self, attempt_id: int) -> None:
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


@transaction.atomic
def _attempt_start(
    *, session_id: int, candidate: User, now: datetime, rng: random.Random | None, include_unlisted: bool
) -> StartResult:
    if not candidate.is_active:
        raise NotEligible(_("您的账号已停用，不能参加考试。"))
    eligible = session_eligible_q(candidate, department_path=user_department_path_in_query(candidate))
    session = (
        ExamSession.objects.select_related("exam")
        .annotate(candidate_eligible=ExpressionWrapper(eligible, output_field=BooleanField()))
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise NotFound(_("没有这个考试场次。"))
    if not session.candidate_eligible:  # type: ignore[attr-defined]
        raise NotEligible(_("您不在本场考试的参考范围内。"))
    exam = session.exam
    if exam.kind == ExamKind.PRACTICE and not exam.listed_in_practice and not include_unlisted:
        raise NoPracticeExam(_("这份练习卷不能从这里开始。"))
    attempts = list(
        Attempt.with_drawn.filter(session=session, candidate=candidate).defer("item_index").order_by("number")
    )
    current = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    if current is not None:
        if not is_overdue(deadline=current.deadline, status=current.status, now=now):
            current.session = session
            return StartResult(attempt=current, created=False, items=paper_items(current))
        raise _OverdueFound(current.pk)
    if now < session.opens_at:
        raise SessionNotOpen(_("本场考试尚未开始，开始时间：%(t)s。") % {"t": _local(session.opens_at)})
    if now >= session.closes_at:
        raise SessionClosed(_("本场考试已结束。"))
    drawn = next((a for a in attempts if a.status == AttemptStatus.DRAWN), None)
    used = len(attempts) - (drawn is not None)
    if exam.kind != ExamKind.PRACTICE and used >= exam.max_attempts:
        raise NoAttemptsLeft(_("您已用完本场考试的 %(n)s 次作答机会。") % {"n": exam.max_attempts})
    if drawn is not None:
        return _attempt_claim(attempt=drawn, session=session, now=now)
    return _attempt_create(
        session=session,
        exam=exam,
        candidate=candidate,
        number=(attempts[-1].number if attempts else 0) + 1,
        now=now,
        rng=rng or random.Random(),
    )


def _drawn_paper_claim(*, session_id: int, candidate: User, now: datetime) -> StartResult | None:
    """Claim the candidate's paper drawn ahead in one statement when the full path would claim it
    now (:func:`_attempt_start`'s checks, in SQL); None otherwise, and nothing changed."""
    claimable_sql, claimable_params = claimable_session(session_id=session_id, candidate=candidate, now=now)
    row = drawn_paper_claim(
        session_id=session_id,
        candidate_id=candidate.pk,
        now=now,
        claimable_sql=claimable_sql,
        claimable_params=claimable_params,
    )
    if row is None:
        return None
    attempt = Attempt(
        pk=row.attempt_id,
        session=ExamSession(
            pk=session_id, title=row.session_title, exam=Exam(pk=row.exam_id, title=row.exam_title)
        ),
        candidate=candidate,
        number=row.number,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=row.deadline,
        max_score=row.max_score,
    )
    if not row.paper_json:  # drawn before papers kept their JSON
        return StartResult(attempt=attempt, created=True, items=paper_items(attempt))
    return StartResult(attempt=attempt, created=True, items_json=row.paper_json)


def claimable_query(*, session_id: int, candidate: User, now: datetime) -> QuerySet[Any]:
    """The session as the claim needs it: one row, ``claim_deadline`` (the deadline of an attempt
    started ``now``), only while the candidate may start it (open, eligible by
    ``exams.eligibility`` with the department path read in the statement, attempts allowed)."""
    return (
        ExamSession.objects.filter(
            session_eligible_q(candidate, department_path=user_department_path_in_query(candidate)),
            pk=session_id,
            opens_at__lte=now,
            closes_at__gt=now,
            exam__max_attempts__gt=0,
        )
        # Never drawn ahead; and an unlisted one starts only where it is offered.
        .exclude(exam__kind=ExamKind.PRACTICE)
        .values(
            # attempt_deadline's rule: the exam's duration from now, cut at the session's close.
            claim_deadline=Least(
                ExpressionWrapper(
                    Value(now) + _minutes(F("exam__duration_minutes")), output_field=DateTimeField()
                ),
                F("closes_at"),
            )
        )
    )


# Stand-ins the claimable query is compiled with once per shape, then replaced by the real values.
_SESSION, _DEPARTMENT, _NOW = -770_001, -770_002, datetime(1001, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=16)
def _claimable_template(vendor: str, department: bool, officer: bool) -> tuple[str, tuple[Any, ...]]:
    stand_in = User(
        pk=-1,
        is_active=True,
        department_id=_DEPARTMENT if department else None,
        is_enforcement_officer=officer,
    )
    sql, params = claimable_query(session_id=_SESSION, candidate=stand_in, now=_NOW).query.sql_with_params()
    return sql, tuple(params)


def claimable_session(*, session_id: int, candidate: User, now: datetime) -> tuple[str, list[Any]]:
    """:func:`claimable_query`'s SQL and parameters, compiled once per shape of candidate (with or
    without a department, enforcement officer or not; the department path is always read in the
    statement): building and compiling the query cost more than the rest of a claim."""
    sql, template = _claimable_template(
        connection.vendor, bool(candidate.department_id), bool(candidate.is_enforcement_officer)
    )
    adapt = connection.ops.adapt_datetimefield_value
    values: dict[Any, Any] = {
        _SESSION: session_id,
        _DEPARTMENT: candidate.department_id,
        adapt(_NOW): adapt(now),
    }
    return sql, [
        values.get(param, param) if isinstance(param, int | str | datetime) else param for param in template
    ]


def _minutes(count: F) -> Expression:
    """A duration of ``count`` minutes in SQL: an interval on PostgreSQL; elsewhere Django keeps
    durations as microseconds, and adds them to a datetime as the same datetime text it stores."""
    if connection.features.has_native_duration_field:
        return count * Value(timedelta(minutes=1))
    return ExpressionWrapper(count * Value(60_000_000), output_field=DurationField())


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _attempt_claim(*, attempt: Attempt, session: ExamSession, now: datetime) -> StartResult:
    """Start the paper drawn ahead for the candidate: one ``UPDATE`` and one read of its items.

    A second tab claiming it at the same moment waits for the first one's ``UPDATE``, finds
    nothing left to claim, and resumes the attempt the first one started.
    """
    attempt.status = AttemptStatus.IN_PROGRESS
    attempt.started_at = now
    attempt.deadline = attempt_deadline(session=session, exam=session.exam, now=now)
    claimed = Attempt.with_drawn.filter(pk=attempt.pk, status=AttemptStatus.DRAWN).update(
        status=attempt.status, started_at=attempt.started_at, deadline=attempt.deadline
    )
    if not claimed:
        attempt = Attempt.objects.defer("item_index").get(pk=attempt.pk)
    attempt.session = session
    return StartResult(attempt=attempt, created=bool(claimed), items=paper_items(attempt))


def _attempt_create(
    *, session: ExamSession, exam: Exam, candidate: User, number: int, now: datetime, rng: random.Random
) -> StartResult:
    # Practice (and a course's quiz) never draws what a formal session the candidate may still sit could.
    withheld = live_pool_keys(user=candidate, now=now) if exam.kind == ExamKind.PRACTICE else frozenset()
    [paper] = draw_papers(exam_rule_specs(exam), rng, 1, withheld)
    attempt = Attempt(
        session=session,
        candidate=candidate,
        number=number,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=attempt_deadline(session=session, exam=exam, now=now),
        max_score=paper_max_score(paper),
    )
    # A concurrent start by the same candidate makes this insert fail on the unique
    # constraints; attempt_start then retries in a fresh transaction (or savepoint) and resumes.
    attempt.save(force_insert=True)
    [frozen] = freeze_papers(exam=exam, attempts=[attempt], papers=[paper], rng=rng)
    return StartResult(attempt=attempt, created=True, items=frozen.items)


def practice_start(
    *,
    candidate: User,
    exam_id: int | None,
    now: datetime,
    rng: random.Random | None = None,
    include_unlisted: bool = False,
) -> StartResult:
    """Start or resume a practice attempt, as often as wanted.

    ``exam_id`` names a practice exam listed in practice (the newest one when omitted);
    an unlisted one (a course's quiz) starts only for a caller that offers it itself and
    says ``include_unlisted=True``. The attempt is made in the exam's open session the
    candidate is eligible for; a practice exam without any open session gets one open to
    everyone (see ``practice_session_for``).
    """
    exams = Exam.objects.filter(kind=ExamKind.PRACTICE)
    if not include_unlisted:
        exams = exams.filter(listed_in_practice=True)
    exam = exams.filter(pk=exam_id).first() if exam_id is not None else exams.order_by("-id").first()
    if exam is None:
        raise NoPracticeExam(_("没有可用的练习卷。"))
    session = practice_session_for(exam=exam, candidate=candidate, now=now)
    return _start(
        session_id=session.pk,
        candidate=candidate,
        now=now,
        rng=rng,
        include_unlisted=include_unlisted,
        drawn_ahead=False,
    )
