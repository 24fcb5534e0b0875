"""Demo credentials, in each state: enforcement officers who passed earlier sittings of the demo
qualification exam (a session four years ago and one last year, both closed), granted through the
service from their real, passed attempts; then one suspended, one revoked, and the one from four
years ago expired by the daily task's service. 张伟 (``zhangwei``) holds none: he can pass this
year's open session and see his credential appear. Running it again changes nothing.

So that the demo leader's dashboard has a credential at risk of every kind in their division
(城建监察支队): the suspended one is there, and two more of its officers passed a sitting two
months short of the credential's validity ago, so both credentials expire within the 90-day
window; last year's annual review (run through the service) finds both short of hours, and one
is recorded as made good: the other stays failed and may not enforce, like 张伟 (no credential)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from exams import services as exam_services
from exams.models import AttemptItem, Exam, ExamKind, ExamSession
from people.models import Department, User

from . import services
from .models import Credential, ReviewResult

OFFICERS = 7


def _sit_and_pass(*, session: ExamSession, candidate: User, now: datetime) -> int:
    attempt = exam_services.attempt_start(session_id=session.pk, candidate=candidate, now=now).attempt
    answers = [
        exam_services.AnswerIn(item=item_id, keys=list(correct))
        for item_id, correct in AttemptItem.objects.filter(attempt=attempt).values_list("id", "correct")
    ]
    exam_services.attempt_answers_save(attempt_id=attempt.pk, candidate=candidate, answers=answers, now=now)
    exam_services.attempt_submit(attempt_id=attempt.pk, candidate=candidate, now=now + timedelta(minutes=40))
    return attempt.pk


def _past_session(exam: Exam, *, title: str, opens_at: datetime) -> ExamSession:
    session = ExamSession.objects.filter(exam=exam, title=title).first()
    return session or exam_services.session_schedule(
        exam=exam,
        title=title,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=7),
        enforcement_officers_only=True,
    )


@transaction.atomic
def seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if Credential.objects.exists():
        return
    exam = Exam.objects.filter(kind=ExamKind.QUALIFICATION).order_by("pk").first()
    if exam is None or exam_services.exam_bank_shortfalls(exam):
        return
    admin = User.objects.filter(username="admin").first()
    officers = list(
        User.objects.filter(is_enforcement_officer=True, is_active=True)
        .exclude(username="zhangwei")
        .order_by("employee_no")[:OFFICERS]
    )
    if len(officers) < 4:
        return
    local = timezone.localtime(now)
    old = _past_session(
        exam,
        title=f"{local.year - 4}年行政执法资格考试",
        opens_at=now - timedelta(days=365 * 4 + 30),
    )
    recent = _past_session(
        exam,
        title=f"{local.year - 1}年行政执法资格考试",
        opens_at=now - timedelta(days=300),
    )
    granted = []
    for index, officer in enumerate(officers):
        session = old if index == 0 else recent
        sat_at = session.opens_at + timedelta(days=1)
        attempt_id = _sit_and_pass(session=session, candidate=officer, now=sat_at)
        granted.append(
            services.credential_grant(attempt_id=attempt_id, now=sat_at + timedelta(minutes=41)).credential
        )
    services.credentials_expire(on=timezone.localdate(now), now=now)
    if admin is not None:
        services.credential_suspend(
            credential_id=granted[1].pk, reason="涉嫌违规执法，调查期间暂扣。", actor=admin, now=now
        )
        services.credential_revoke(
            credential_id=granted[2].pk, reason="以欺骗手段取得执法证件，依法吊销。", actor=admin, now=now
        )
    _at_risk_in_the_leaders_division(exam, admin=admin, now=now)


def _at_risk_in_the_leaders_division(exam: Exam, *, admin: User | None, now: datetime) -> None:
    """Two officers of the demo leader's division whose credentials expire within 90 days; last year's
    review fails both, and one is made good (see the module docstring)."""
    division = Department.objects.filter(leaders__username="leader").order_by("path").first()
    if division is None:
        return
    officers = list(
        User.objects.filter(
            is_enforcement_officer=True,
            is_active=True,
            department__path__startswith=division.path,
            credentials__isnull=True,
        )
        .exclude(username="zhangwei")
        .order_by("employee_no")[:2]
    )
    if len(officers) < 2:
        return
    opens_at = now - timedelta(days=365 * exam.validity_years - 60)
    session = _past_session(
        exam, title=f"{timezone.localtime(opens_at).year}年行政执法资格考试（换证批次）", opens_at=opens_at
    )
    for officer in officers:
        sat_at = session.opens_at + timedelta(days=1)
        attempt_id = _sit_and_pass(session=session, candidate=officer, now=sat_at)
        services.credential_grant(attempt_id=attempt_id, now=sat_at + timedelta(minutes=41))
    last_year = timezone.localtime(now).year - 1
    review = services.review_schedule(year=last_year, review_on=timezone.localdate(now), actor=admin)
    services.review_run(review_id=review.pk, now=now, actor=admin)
    made_good = ReviewResult.objects.filter(
        review=review, credential__holder=officers[0], passed=False, made_good_at__isnull=True
    ).first()
    if made_good is not None and admin is not None:
        services.review_make_good(
            result_id=made_good.pk, reason="已补足上年度培训学时，经审核合格。", actor=admin, now=now
        )
