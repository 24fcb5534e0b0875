"""Every read of the exam engine that is more than a get, already limited to what the user may see.

Sessions
    session_list_for_user(*, user, now) -> list[SessionRow]       sessions the user is eligible for, with my_status
    session_list_for_admin(*, user, now) -> list[SessionRow]      every session, with the admin's own my_status
    session_for_user(*, session_id, user, now) -> SessionRow       one of those (404 otherwise)
    session_board(*, session, now) -> Board                       live counts and the attempts in progress
    sessions_to_take(*, user, now) -> list[SessionRow]             open, eligible, not passed, an attempt left
                                                                   or in progress (the home page's tasks)
Attempts
    attempt_for_candidate(*, attempt_id, candidate) -> Attempt      the candidate's own attempt (404 otherwise)
    attempt_paper(*, attempt) -> list[PaperItem]                    the frozen paper with saved answers, no keys
    attempt_payload(attempt, items, now) -> dict                    the API's attempt shape (no keys)
    paper_json(items) -> str                                        its items as the API's JSON (a paper drawn ahead)
    review_state(*, attempt, now) -> None                           raises ReviewNever/ReviewNotYet when not allowed
    attempt_review(*, attempt, now) -> list[ReviewItem]             keys, explanations, law references
                                                                    (withheld for live questions; 3 queries)
    mistakes_for_user(*, user, category=None, now) -> list[Mistake] the 错题本, without live questions (2 queries)
    exam_passed_by(*, user, exam) -> bool                           a submitted, passed attempt of any session
    submitted_attempts_by_session(*, user, session_ids, now) -> dict[int, list[AttemptSummary]]
    session_with_exam(*, session_id) -> ExamSession                 any session, for administrators (404 otherwise)
Practice
    practice_exams() -> list[Exam]                                  the practice exams listed in practice
    practice_attempts(*, user, now, limit=10) -> list[AttemptSummary]
    practice_attempts_in_progress(*, user, now) -> list[AttemptSummary]
Questions and exams (administrators)
    question_list(*, kind=None, category=None, is_active=None, search=None) -> QuerySet[Question]
    exam_list() -> QuerySet[Exam]
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from common.errors import NotFound
from people.models import User

from .eligibility import eligible_candidates, session_eligible_q
from .errors import AttemptNotFound, ReviewNever, ReviewNotYet
from .live import is_live, live_pool_keys, live_question_q
from .models import (
    SAVE_GRACE,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamKind,
    ExamSession,
    Question,
    ReviewPolicy,
)

# Papers: what a candidate sees of an attempt's items (no correct keys)


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


@dataclass(frozen=True)
class MyStatus:
    attempts_used: int
    attempts_left: int | None  # None: unlimited (practice)
    best_score: Decimal | None
    passed: bool
    in_progress_attempt: int | None


@dataclass(frozen=True)
class SessionRow:
    session: ExamSession
    state: str  # upcoming | open | closed
    eligible: bool
    my_status: MyStatus


@dataclass(frozen=True)
class ReviewItem:
    id: int
    position: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    points: int
    your_keys: list[str]
    correct_keys: list[str]
    earned: Decimal | None
    is_correct: bool | None
    explanation: str
    law_reference: str
    category: str
    # The question could still be drawn in a formal session the candidate may sit (exams.live):
    # its key, explanation, law reference and correctness are not shown (empty, None).
    withheld: bool = False


@dataclass(frozen=True)
class Mistake:
    question: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    your_keys: list[str]
    correct_keys: list[str]
    explanation: str
    law_reference: str
    category: str
    wrong_count: int
    last_attempt: int
    last_session_title: str
    last_submitted_at: datetime


@dataclass(frozen=True)
class BoardAttempt:
    attempt: int
    candidate_id: int
    candidate_name: str
    employee_no: str
    department: str
    number: int
    started_at: datetime
    deadline: datetime
    extra_minutes: int
    answered: int


@dataclass
class Board:
    session: ExamSession
    now: datetime
    eligible: int = 0
    started: int = 0
    submitted: int = 0
    passed: int = 0
    in_progress: int = 0
    attempts_in_progress: list[BoardAttempt] = field(default_factory=list)


def session_state(session: ExamSession, now: datetime) -> str:
    if now < session.opens_at:
        return "upcoming"
    if now >= session.closes_at:
        return "closed"
    return "open"


def _rows(
    sessions: list[ExamSession], *, user: User, now: datetime, eligible_ids: set[int] | None
) -> list[SessionRow]:
    statuses = _statuses(user=user, sessions=sessions, now=now)
    return [
        SessionRow(
            session=session,
            state=session_state(session, now),
            eligible=eligible_ids is None or session.pk in eligible_ids,
            my_status=statuses[session.pk],
        )
        for session in sessions
    ]


def _statuses(*, user: User, sessions: list[ExamSession], now: datetime) -> dict[int, MyStatus]:
    ids = [session.pk for session in sessions]
    rows = (
        Attempt.objects.filter(candidate=user, session_id__in=ids)
        .values("session_id")
        .annotate(
            used=Count("id"),
            best=Max("score", filter=Q(status=AttemptStatus.SUBMITTED)),
            any_passed=Count("id", filter=Q(status=AttemptStatus.SUBMITTED, passed=True)),
            in_progress=Max("id", filter=Q(status=AttemptStatus.IN_PROGRESS, deadline__gte=now - SAVE_GRACE)),
        )
        if ids
        else []
    )
    found: dict[int, dict[str, Any]] = {row["session_id"]: dict(row) for row in rows}
    result = {}
    for session in sessions:
        row: dict[str, Any] = found.get(session.pk, {})
        used = row.get("used", 0)
        exam = session.exam
        result[session.pk] = MyStatus(
            attempts_used=used,
            attempts_left=None if exam.kind == ExamKind.PRACTICE else max(0, exam.max_attempts - used),
            best_score=row.get("best"),
            passed=bool(row.get("any_passed")),
            in_progress_attempt=row.get("in_progress"),
        )
    return result


def _sessions() -> QuerySet[ExamSession]:
    return ExamSession.objects.select_related("exam").order_by("-opens_at", "-id")


def session_list_for_user(*, user: User, now: datetime) -> list[SessionRow]:
    """The sessions ``user`` is eligible for (newest first), each with the user's status."""
    sessions = list(_sessions().filter(session_eligible_q(user)))
    return _rows(sessions, user=user, now=now, eligible_ids=None)


def session_list_for_admin(*, user: User, now: datetime) -> list[SessionRow]:
    """Every session (for administrators), with the administrator's own status and eligibility."""
    sessions = list(_sessions())
    eligible_ids = set(ExamSession.objects.filter(session_eligible_q(user)).values_list("pk", flat=True))
    return _rows(sessions, user=user, now=now, eligible_ids=eligible_ids)


def session_for_user(*, session_id: int, user: User, now: datetime, admin: bool = False) -> SessionRow:
    """One session the user is eligible for (any session for an administrator); 404 otherwise."""
    query = _sessions().filter(pk=session_id)
    session = query.first() if admin else query.filter(session_eligible_q(user)).first()
    if session is None:
        raise NotFound(_("没有这个考试场次。"))
    eligible = (
        {session.pk}
        if not admin
        else set(
            ExamSession.objects.filter(session_eligible_q(user), pk=session.pk).values_list("pk", flat=True)
        )
    )
    return _rows([session], user=user, now=now, eligible_ids=eligible)[0]


def sessions_to_take(*, user: User, now: datetime) -> list[SessionRow]:
    """Open sessions the user is eligible for and has not passed, with an attempt left or in progress."""
    sessions = list(
        _sessions()
        .filter(session_eligible_q(user), opens_at__lte=now, closes_at__gt=now)
        .exclude(exam__kind=ExamKind.PRACTICE)
    )
    rows = _rows(sessions, user=user, now=now, eligible_ids=None)
    return [
        row
        for row in rows
        if not row.my_status.passed
        and (row.my_status.in_progress_attempt is not None or (row.my_status.attempts_left or 0) > 0)
    ]


def session_board(*, session: ExamSession, now: datetime) -> Board:
    """The live board of a session: eligible, started, submitted and passed candidates (distinct
    people), attempts in progress, and those attempts with candidate, deadline and answers saved."""
    board = Board(session=session, now=now)
    board.eligible = eligible_candidates(session).count()
    counts = Attempt.objects.filter(session=session).aggregate(
        started=Count("candidate", distinct=True),
        submitted=Count("candidate", distinct=True, filter=Q(status=AttemptStatus.SUBMITTED)),
        passed=Count("candidate", distinct=True, filter=Q(status=AttemptStatus.SUBMITTED, passed=True)),
        in_progress=Count("id", filter=Q(status=AttemptStatus.IN_PROGRESS)),
    )
    board.started = counts["started"]
    board.submitted = counts["submitted"]
    board.passed = counts["passed"]
    board.in_progress = counts["in_progress"]
    rows = (
        Attempt.objects.filter(session=session, status=AttemptStatus.IN_PROGRESS)
        .annotate(answered=Count("answers", filter=~Q(answers__keys=[])))
        .order_by("deadline", "id")
        .values_list(
            "id",
            "candidate_id",
            "candidate__name",
            "candidate__username",
            "candidate__employee_no",
            "candidate__department__name",
            "number",
            "started_at",
            "deadline",
            "extra_minutes",
            "answered",
        )
    )
    board.attempts_in_progress = [
        BoardAttempt(
            attempt=attempt_id,
            candidate_id=candidate_id,
            candidate_name=name or username,
            employee_no=employee_no or "",
            department=department or "",
            number=number,
            started_at=started_at,
            deadline=deadline,
            extra_minutes=extra,
            answered=answered,
        )
        for attempt_id, candidate_id, name, username, employee_no, department, number, started_at, deadline, extra, answered in rows
    ]
    return board


def attempt_for_candidate(*, attempt_id: int, candidate: User) -> Attempt:
    """The candidate's own attempt, with session and exam; ``AttemptNotFound`` (404) otherwise."""
    attempt = (
        Attempt.objects.select_related("session__exam")
        .defer("item_index")
        .filter(pk=attempt_id, candidate=candidate)
        .first()
    )
    if attempt is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    attempt.candidate = candidate
    return attempt


def attempt_payload(attempt: Attempt, items: list[PaperItem], now: datetime) -> dict[str, Any]:
    """The candidate's view of an attempt, as the API returns it (and a page may render it):
    the frozen paper with saved answers and the server's clock — never correct keys or explanations.
    ``score`` and ``passed`` are None until submitted. ``attempt.session.exam`` should be loaded."""
    submitted = attempt.is_submitted
    remaining = 0 if submitted else max(0, int((attempt.deadline - now).total_seconds()))
    return {
        "id": attempt.pk,
        "session": attempt.session_id,
        "session_title": attempt.session.title,
        "exam_title": attempt.session.exam.title,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_time": now,
        "remaining_seconds": remaining,
        "submitted_at": attempt.submitted_at,
        "max_score": attempt.max_score,
        "score": attempt.score if submitted else None,
        "passed": attempt.passed if submitted else None,
        "items": [item.__dict__ for item in items],
    }


def paper_item_data(item: dict[str, Any]) -> dict[str, Any]:
    """One item of a paper as the API sends it (``PaperItemSerializer``'s fields, in its order)."""
    return {
        "id": item["id"],
        "position": item["position"],
        "kind": item["kind"],
        "stem": item["stem"],
        "options": [{"key": option["key"], "text": option["text"]} for option in item["options"]],
        "points": item["points"],
        "answer": list(item["answer"]),
    }


def paper_json(items: list[PaperItem]) -> str:
    """The items of ``attempt_payload`` as the API's JSON renders them (compact, non-ASCII as is,
    U+2028/U+2029 escaped, as DRF's ``JSONRenderer`` with the project's settings): a paper drawn
    ahead keeps it, and the start that claims the paper sends it as is (``Attempt.paper_json``)."""
    text = json.dumps(
        [paper_item_data(item.__dict__) for item in items], ensure_ascii=False, separators=(",", ":")
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def attempt_paper(*, attempt: Attempt) -> list[PaperItem]:
    """The frozen paper as the candidate sees it, with the saved answers (one query)."""
    return paper_items(attempt)


def review_state(*, attempt: Attempt, now: datetime) -> None:
    """Raise unless the exam's review policy lets the candidate see keys and explanations now.

    The last check is :func:`review_allowed_q` itself, so the review page and the 错题本
    can never disagree about when an after_close exam's keys are out.
    """
    policy = attempt.session.exam.review_policy
    if policy == ReviewPolicy.NEVER:
        raise ReviewNever(_("本考试不提供答案与解析。"))
    if attempt.status != AttemptStatus.SUBMITTED:
        raise ReviewNotYet(_("交卷后才能查看答案与解析。"))
    if policy == ReviewPolicy.AFTER_CLOSE and not (
        Attempt.objects.filter(review_allowed_q(now=now, candidate=attempt.candidate), pk=attempt.pk).exists()
    ):
        raise ReviewNotYet(_("本考试的全部场次结束后才能查看答案与解析。"))


def review_allowed_q(*, now: datetime, candidate: User, prefix: str = "") -> Q:
    """A filter over attempts (through ``prefix``) of ``candidate`` whose review policy lets them see keys now.

    after_submit: once submitted. after_close is decided per *exam*, not per session: once
    submitted, no session of the exam that the candidate is eligible for is open or upcoming
    (a 补考 of the same exam keeps the keys in), and nobody in any session of the exam can
    still save an answer — extra time (or a window moved earlier after the start) can keep
    an attempt open past ``closes_at``, and its candidate must not be able to read the keys
    off a colleague's review meanwhile.

    Whatever the policy, the review still withholds the items that are live for the
    candidate (``exams.live``).
    """
    exam = OuterRef(f"{prefix}session__exam_id")
    still_answering = Attempt.objects.filter(
        session__exam_id=exam,
        status=AttemptStatus.IN_PROGRESS,
        deadline__gte=now - SAVE_GRACE,
    )
    not_over = ExamSession.objects.filter(session_eligible_q(candidate), exam_id=exam, closes_at__gt=now)
    return Q(**{f"{prefix}status": AttemptStatus.SUBMITTED}) & (
        Q(**{f"{prefix}session__exam__review_policy": ReviewPolicy.AFTER_SUBMIT})
        | (
            Q(**{f"{prefix}session__exam__review_policy": ReviewPolicy.AFTER_CLOSE})
            & Q(~Exists(not_over))
            & Q(~Exists(still_answering))
        )
    )


def attempt_review(*, attempt: Attempt, now: datetime) -> list[ReviewItem]:
    """Each item with the candidate's keys, the correct keys, explanation and law reference.

    When any item's question is live for the candidate (``exams.live``), every item is withheld
    (the candidate's own keys only): the attempt's score is shown elsewhere, and the score less the
    items shown would give the withheld items' results. Three queries, whatever the paper's size,
    once the candidate's department path is known."""
    review_state(attempt=attempt, now=now)
    live = live_pool_keys(user=attempt.candidate, now=now)
    rows = item_rows(
        attempt,
        "correct",
        "earned",
        "explanation",
        "law_reference",
        "category",
        "question__kind",
        "question__category",
    )
    live_items = [
        is_live(live, kind=row.pop("question__kind"), category=row.pop("question__category")) for row in rows
    ]
    withheld = any(live_items)
    items = []
    for row in rows:
        keys, correct = row.pop("keys"), row.pop("correct")
        if withheld:
            row.update(earned=None, explanation="", law_reference="")
            items.append(ReviewItem(**row, your_keys=keys, correct_keys=[], is_correct=None, withheld=True))
            continue
        is_correct = row["earned"] is not None and row["earned"] == row["points"]
        items.append(ReviewItem(**row, your_keys=keys, correct_keys=correct, is_correct=is_correct))
    return items


def mistakes_for_user(*, user: User, now: datetime, category: str | None = None) -> list[Mistake]:
    """The user's 错题本: each question answered wrongly (or left blank) in a submitted attempt whose
    review policy allows it now, once, with the latest wrong answer and how many times it was wrong.

    An attempt whose paper holds a question live for the user (``exams.live``) is left out
    altogether, as its review withholds every item (``attempt_review``): a live question's being
    listed would say its answer was wrong, and the other items' results with the attempt's score
    would give the live ones'. Two queries once the user's department path is known.
    """
    live = live_pool_keys(user=user, now=now)
    holding_live = AttemptItem.objects.filter(
        live_question_q(live, prefix="question__"), attempt__candidate=user
    ).values("attempt_id")
    query = (
        AttemptItem.objects.filter(
            review_allowed_q(now=now, candidate=user, prefix="attempt__"), attempt__candidate=user
        )
        .filter(Q(earned__isnull=True) | Q(earned__lt=F("points")))
        .exclude(attempt_id__in=holding_live)
    )
    if category:
        query = query.filter(category=category)
    rows = query.order_by("-attempt__submitted_at", "-attempt_id", "position").values_list(
        "question_id",
        "kind",
        "stem",
        "options",
        "answer__keys",
        "correct",
        "explanation",
        "law_reference",
        "category",
        "attempt_id",
        "attempt__session__title",
        "attempt__submitted_at",
    )
    latest: dict[int, dict[str, Any]] = {}
    counts: dict[int, int] = {}
    for row in rows:
        question_id = row[0]
        counts[question_id] = counts.get(question_id, 0) + 1
        if question_id not in latest:
            latest[question_id] = {
                "question": question_id,
                "kind": row[1],
                "stem": row[2],
                "options": row[3],
                "your_keys": row[4] or [],
                "correct_keys": row[5],
                "explanation": row[6],
                "law_reference": row[7],
                "category": row[8],
                "last_attempt": row[9],
                "last_session_title": row[10],
                "last_submitted_at": row[11],
            }
    return [Mistake(**values, wrong_count=counts[question_id]) for question_id, values in latest.items()]


def exam_passed_by(*, user: User, exam: Exam) -> bool:
    """True when ``user`` has a submitted, passed attempt of any session of ``exam``."""
    return Attempt.objects.filter(
        candidate=user, session__exam=exam, status=AttemptStatus.SUBMITTED, passed=True
    ).exists()


def question_list(
    *,
    kind: str | None = None,
    category: str | None = None,
    is_active: bool | None = None,
    search: str | None = None,
) -> QuerySet[Question]:
    query = Question.objects.order_by("id")
    if kind:
        query = query.filter(kind=kind)
    if category:
        query = query.filter(category=category)
    if is_active is not None:
        query = query.filter(is_active=is_active)
    if search:
        query = query.filter(Q(stem__icontains=search) | Q(law_reference__icontains=search))
    return query


def exam_list() -> QuerySet[Exam]:
    return Exam.objects.prefetch_related("rules").order_by("-id")


# Attempt summaries for the pages (my exams, practice, the home page's tasks)


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


def session_with_exam(*, session_id: int) -> ExamSession:
    """A session with its exam, whoever may sit it (administrators' pages); ``NotFound`` (404) otherwise."""
    session = ExamSession.objects.select_related("exam").filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("没有这个考试场次。"))
    return session


# Practice


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
