"""Starting an attempt: resume the one in progress, or draw and freeze a new paper.

A start costs a fixed number of statements whatever the size of the paper or of the bank:
a handful of reads, pools from the cache (see ``exams.pools``), one ``id IN`` fetch of the
drawn questions, one insert of the attempt, one insert of its items
(:func:`.sql.items_insert`), one update of its index.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils.translation import gettext as _

from people.models import User

from ...eligibility import session_eligible_q, user_department_path
from ...errors import (
    BankInsufficient,
    NoAttemptsLeft,
    NoPracticeExam,
    NotEligible,
    SessionClosed,
    SessionNotOpen,
)
from ...models import Attempt, AttemptStatus, Exam, ExamKind, ExamSession, Question, QuestionKind
from ...pools import RuleSpec, draw_question_ids, refresh_pools, rule_pools
from ..exams import exam_rule_specs, practice_session_for
from .common import AttemptNotFound, PaperItem, StartResult, is_overdue, paper_items
from .sql import items_insert
from .submit import attempt_submit_if_overdue


def attempt_start(
    *, session_id: int, candidate: User, now: datetime, rng: random.Random | None = None
) -> StartResult:
    """Start an attempt of a session, or resume the candidate's attempt in progress.

    Raises ``NotEligible`` (403), ``AttemptNotFound`` (404, no such session),
    ``SessionNotOpen``/``SessionClosed``/``NoAttemptsLeft``/``BankInsufficient`` (409).
    An overdue attempt in progress is submitted first; then a new attempt starts if
    the session and the attempts allowed permit it. Two concurrent starts by the
    same candidate yield one attempt.
    """
    for _retry in range(3):
        try:
            return _attempt_start(session_id=session_id, candidate=candidate, now=now, rng=rng)
        except _OverdueFound as overdue:
            attempt_submit_if_overdue(attempt_id=overdue.attempt_id, now=now)
        except IntegrityError:
            continue
    return _attempt_start(session_id=session_id, candidate=candidate, now=now, rng=rng)


class _OverdueFound(Exception):
    def __init__(self, attempt_id: int) -> None:
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


@transaction.atomic
def _attempt_start(
    *, session_id: int, candidate: User, now: datetime, rng: random.Random | None
) -> StartResult:
    if not candidate.is_active:
        raise NotEligible(_("您的账号已停用，不能参加考试。"))
    eligible = session_eligible_q(candidate, department_path=user_department_path(candidate))
    session = (
        ExamSession.objects.select_related("exam")
        .annotate(candidate_eligible=ExpressionWrapper(eligible, output_field=BooleanField()))
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise AttemptNotFound(_("没有这个考试场次。"))
    if not session.candidate_eligible:  # type: ignore[attr-defined]
        raise NotEligible(_("您不在本场考试的参考范围内。"))
    exam = session.exam
    attempts = list(
        Attempt.objects.filter(session=session, candidate=candidate).defer("item_index").order_by("number")
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
    if exam.kind != ExamKind.PRACTICE and len(attempts) >= exam.max_attempts:
        raise NoAttemptsLeft(_("您已用完本场考试的 %(n)s 次作答机会。") % {"n": exam.max_attempts})
    return _attempt_create(
        session=session,
        exam=exam,
        candidate=candidate,
        number=(attempts[-1].number if attempts else 0) + 1,
        now=now,
        rng=rng or random.Random(),
    )


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _draw(specs: list[RuleSpec], rng: random.Random) -> list[tuple[RuleSpec, dict[str, Any]]]:
    """Draw the paper; rebuild the pools once if the cached ones turn out to be stale."""
    keys = [spec.pool_key for spec in specs]
    for attempt_number in range(2):
        pools = rule_pools(keys) if attempt_number == 0 else refresh_pools(keys)
        picks = draw_question_ids(specs, pools, rng)
        wanted = [question_id for ids in picks for question_id in ids]
        rows: dict[int, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Question.objects.filter(pk__in=wanted, is_active=True).values(
                "id", "kind", "stem", "options", "answer", "explanation", "law_reference", "category"
            )
        }
        paper: list[tuple[RuleSpec, dict[str, Any]]] = []
        for spec, ids in zip(specs, picks, strict=True):
            for question_id in ids:
                row = rows.get(question_id)
                if (
                    row is None
                    or row["kind"] != spec.kind
                    or (spec.category and row["category"] != spec.category)
                ):
                    break
                paper.append((spec, row))
        if len(paper) == len(wanted):
            return paper
    raise BankInsufficient(_("题库正在更新，暂时无法组卷，请稍后再试。"))


def _attempt_create(
    *, session: ExamSession, exam: Exam, candidate: User, number: int, now: datetime, rng: random.Random
) -> StartResult:
    paper = _draw(exam_rule_specs(exam), rng)
    deadline = min(now + timedelta(minutes=exam.duration_minutes), session.closes_at)
    attempt = Attempt(
        session=session,
        candidate=candidate,
        number=number,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=deadline,
        max_score=sum(spec.points for spec, _row in paper),
    )
    # A concurrent start by the same candidate makes this insert fail on the unique
    # constraints; attempt_start then retries in a fresh transaction (or savepoint) and resumes.
    attempt.save(force_insert=True)
    items: list[dict[str, Any]] = []
    for position, (spec, row) in enumerate(paper, start=1):
        options = [dict(option) for option in row["options"]]
        if exam.shuffle_options and row["kind"] != QuestionKind.JUDGE:
            rng.shuffle(options)
        items.append(
            {
                "attempt_id": attempt.pk,
                "position": position,
                "question_id": row["id"],
                "kind": row["kind"],
                "stem": row["stem"],
                "options": options,
                "points": spec.points,
                "correct": list(row["answer"]),
                "explanation": row["explanation"],
                "law_reference": row["law_reference"],
                "category": row["category"],
            }
        )
    ids = items_insert(items)
    attempt.item_index = {
        str(ids[item["position"]]): [item["kind"], [option["key"] for option in item["options"]]]
        for item in items
    }
    Attempt.objects.filter(pk=attempt.pk).update(item_index=attempt.item_index)
    return StartResult(
        attempt=attempt,
        created=True,
        items=[
            PaperItem(
                id=ids[item["position"]],
                position=item["position"],
                kind=item["kind"],
                stem=item["stem"],
                options=item["options"],
                points=item["points"],
                answer=[],
            )
            for item in items
        ],
    )


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
    return attempt_start(session_id=session.pk, candidate=candidate, now=now, rng=rng)
