"""Demo figures for the dashboard: last year's annual exam sat by most of the roster, and this year's open
annual and qualification sessions partly sat, with passes and failures, all through the exam services
(papers drawn, answers saved, graded); the courses demo provides the plans, activities and hours.
Leaves the demo logins (zhangwei, leader, admin) untouched. Running it again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from exams.models import Attempt, AttemptItem, ExamKind, ExamSession, ReviewPolicy
from exams.services import (
    AnswerIn,
    RuleIn,
    attempt_answers_save,
    attempt_start,
    attempt_submit,
    exam_bank_shortfalls,
    exam_create,
    session_schedule,
)
from people.models import User

DEMO_USERS = ("zhangwei", "leader", "admin")


def _roster() -> list[User]:
    return list(
        User.objects.filter(is_active=True, username__startswith="staff")
        .select_related("department")
        .order_by("username")
    )


def _sit(session: ExamSession, person: User, *, passes: bool, at: datetime, now: datetime) -> None:
    """Start, answer (right when ``passes``, wrong otherwise) and submit one attempt at ``at``."""
    result = attempt_start(session_id=session.pk, candidate=person, now=at)
    items = AttemptItem.objects.filter(attempt=result.attempt).values_list("pk", "correct", "options", "kind")
    answers = []
    for index, (item_id, correct, options, _kind) in enumerate(items):
        right = passes or index % 3 == 0
        keys = list(correct) if right else [o["key"] for o in options if o["key"] not in correct][:1]
        answers.append(AnswerIn(item=item_id, keys=keys or list(correct)))
    attempt_answers_save(attempt_id=result.attempt.pk, candidate=person, answers=answers, now=at)
    attempt_submit(attempt_id=result.attempt.pk, candidate=person, now=min(at + timedelta(minutes=20), now))


def _last_years_session(now: datetime) -> ExamSession | None:
    year = timezone.localtime(now).year - 1
    title = f"{year}年度国家工作人员学法考试"
    session = ExamSession.objects.filter(title=title, exam__kind=ExamKind.ANNUAL).first()
    if session is not None:
        return session
    this_year = (
        ExamSession.objects.filter(exam__kind=ExamKind.ANNUAL, opens_at__year=year + 1)
        .select_related("exam")
        .first()
    )
    if this_year is None:
        return None
    exam = exam_create(
        title=title,
        kind=ExamKind.ANNUAL,
        duration_minutes=60,
        pass_score=this_year.exam.pass_score,
        max_attempts=1,
        review_policy=ReviewPolicy.AFTER_CLOSE,
        rules=[
            RuleIn(kind=rule.kind, category=rule.category, count=rule.count, points=rule.points)
            for rule in this_year.exam.rules.all()
        ],
    )
    if exam_bank_shortfalls(exam):
        return None
    opens = datetime(year, 11, 1, 9, 0, tzinfo=timezone.get_current_timezone())
    return session_schedule(exam=exam, title=title, opens_at=opens, closes_at=opens + timedelta(days=30))


@transaction.atomic
def seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    roster = _roster()
    if not roster:
        return
    last_year = _last_years_session(now)
    if last_year is not None and not Attempt.objects.filter(session=last_year).exists():
        for index, person in enumerate(roster):
            if index % 10 == 9:
                continue  # one in ten did not take part
            at = last_year.opens_at + timedelta(days=index % 20, hours=1)
            _sit(last_year, person, passes=index % 7 != 3, at=at, now=now)
    for kind, share, pass_every in ((ExamKind.ANNUAL, 3, 6), (ExamKind.QUALIFICATION, 2, 4)):
        session = (
            ExamSession.objects.filter(exam__kind=kind, opens_at__lte=now, closes_at__gt=now)
            .order_by("opens_at", "id")
            .first()
        )
        if session is None or Attempt.objects.filter(session=session).exists():
            continue
        elapsed = now - session.opens_at
        candidates = [p for p in roster if kind == ExamKind.ANNUAL or p.is_enforcement_officer]
        for index, person in enumerate(candidates):
            # about two in three have sat the annual exam so far, one in two the qualification exam
            if index % share == share - 1:
                continue
            at = session.opens_at + elapsed * (index + 1) / (len(candidates) + 2) - timedelta(minutes=30)
            at = max(at, session.opens_at)
            _sit(session, person, passes=index % pass_every != 1, at=at, now=now)
