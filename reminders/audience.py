"""Who still has to act, and when a rule's moment is: the one place that decides both.

:func:`recipients` answers, for an occasion (saved or not), the people who would receive it *now*:
the target's own audience (a session's eligible candidates by ``exams.eligibility``, a plan's
departments, an activity's named attendees), narrowed by the rule's departments and enforcement
filter and, for a nudge, by the caller's scope (``people.scope``), keeping only those who have not
yet acted (not yet submitted; not yet passed with a retake left; behind on the plan; a credential
still valid, current and unchanged, or still short of the year's training hours). It is one
QuerySet, so the fan-out can insert from it with one ``INSERT … SELECT`` and the send can ask it
again for the people of a batch: whoever acted in between is skipped.

:func:`anchor` is the target's own date a rule counts from, read at sweep time, so moving a session
moves its reminders; :func:`window_end` is when an occasion is no longer worth sending.

Credential rules have no target row: they fire per credential (the occasion's ``subject_id``, its
holder the ``person``, its ``key`` from :func:`credential_key`). :func:`credentials_due` finds, at
sweep time, the credentials whose moment has come and whose holder still has to act
(``credentials.selectors``): a current valid credential ending within the rule's days (its own
``valid_until`` is the date, so renewing or extending it moves or cancels the reminder; the date is
in the key, so an extended credential is reminded again before its new end), or a current valid
credential whose holder's hours of the year are short before that year's review date
(``AnnualReview.review_on``, a review not yet run).

A credentials nudge (``Event.CREDENTIALS_AT_RISK``, no rule) is for the people whose credential is at
risk for the reason in its ``key`` (``credentials.selectors.risk_q``: at risk at all, expiring,
suspended, failed in review, an officer who may not enforce), asked again on the day it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses.models import (
    ActivityAttendance,
    CourseCompletion,
    PlanCourse,
    StudyActivity,
    StudyHoursEntry,
    StudyPlan,
)
from credentials.models import AnnualReview, Credential, CredentialStatus
from credentials.selectors import credentials_expiring, hours_short_credentials, risk_q
from exams.eligibility import eligible_users_q, session_department_paths
from exams.models import Attempt, AttemptStatus, ExamSession
from people.models import User
from people.scope import subtree_q

from . import messages
from .models import Event

# A plan's own date: the last day of its year, at this local time.
PLAN_ANCHOR_TIME = time(9, 0)
# An activity's own date: the day it is held, at this local time.
ACTIVITY_ANCHOR_TIME = time(9, 0)
# A credential's own dates: the last day of its validity, and the annual review's day, at this time.
CREDENTIAL_ANCHOR_TIME = time(9, 0)
CREDENTIAL_EVENTS = (Event.CREDENTIAL_EXPIRING, Event.CREDENTIAL_HOURS_SHORT)
# How long a credentials nudge is worth sending after it was made.
CREDENTIALS_NUDGE_WINDOW = timedelta(days=3)


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def plan_anchor(plan: StudyPlan) -> datetime:
    return _local(date(plan.year, 12, 31), PLAN_ANCHOR_TIME)


def activity_anchor(activity: StudyActivity) -> datetime:
    return _local(activity.held_on, ACTIVITY_ANCHOR_TIME)


def credential_anchor(day: date) -> datetime:
    """A credential's ``valid_until`` or a review's ``review_on``, at ``CREDENTIAL_ANCHOR_TIME``."""
    return _local(day, CREDENTIAL_ANCHOR_TIME)


def anchor(
    *,
    event: str,
    session: ExamSession | None = None,
    plan: StudyPlan | None = None,
    activity: StudyActivity | None = None,
) -> datetime:
    """The target's own date that ``event`` counts from (a failed attempt counts from its submission)."""
    if event == Event.SESSION_OPENS:
        assert session is not None
        return session.opens_at
    if event in (Event.SESSION_CLOSES, Event.SESSION_FAILED):
        assert session is not None
        return session.closes_at
    if event == Event.PLAN_BEHIND:
        assert plan is not None
        return plan_anchor(plan)
    if event == Event.ACTIVITY_DAY_BEFORE:
        assert activity is not None
        return activity_anchor(activity)
    raise ValueError(event)


def window_end(
    *,
    event: str,
    session: ExamSession | None = None,
    plan: StudyPlan | None = None,
    activity: StudyActivity | None = None,
) -> datetime:
    """After this, an occasion that has not fired yet is not sent any more (nobody can act on it)."""
    if event in (Event.SESSION_OPENS, Event.SESSION_CLOSES, Event.SESSION_FAILED):
        assert session is not None
        return session.closes_at
    if event == Event.PLAN_BEHIND:
        assert plan is not None
        return plan_anchor(plan) + timedelta(days=1)
    if event == Event.ACTIVITY_DAY_BEFORE:
        assert activity is not None
        return activity_anchor(activity) + timedelta(days=1)
    raise ValueError(event)


# ---------------------------------------------------------------- who still has to act


def _not_submitted(session_id: int) -> Q:
    return ~Q(
        Exists(
            Attempt.objects.filter(
                session_id=session_id, candidate=OuterRef("pk"), status=AttemptStatus.SUBMITTED
            )
        )
    )


def _retake_left(session: ExamSession) -> Q:
    """Not passed yet, no attempt in progress, and fewer attempts used than the exam allows."""
    attempts = Attempt.objects.filter(session_id=session.pk, candidate=OuterRef("pk"))
    used = attempts.order_by().values("candidate").annotate(n=Count("id")).values("n")
    return (
        ~Q(Exists(attempts.filter(passed=True)))
        & ~Q(Exists(attempts.filter(status=AttemptStatus.IN_PROGRESS)))
        & Q(LessThan(Coalesce(Subquery(used), Value(0)), session.exam.max_attempts))
    )


def _plan_audience(plan: StudyPlan) -> Q:
    paths = [department.path for department in plan.departments.all()]
    query = Q(is_active=True)
    if paths:
        query &= subtree_q(paths, field="department__path")
    return query


def _plan_behind(plan: StudyPlan) -> Q:
    """A required course of the plan not completed, or fewer hours than the plan asks this year."""
    missing_course = PlanCourse.objects.filter(plan_id=plan.pk, required=True).exclude(
        Exists(CourseCompletion.objects.filter(user=OuterRef(OuterRef("pk")), course=OuterRef("course")))
    )
    hours = (
        StudyHoursEntry.objects.filter(person=OuterRef("pk"), year=plan.year)
        .order_by()
        .values("person")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    query = Q(Exists(missing_course))
    if plan.required_hours > 0:
        query |= Q(LessThan(Coalesce(Subquery(hours), Value(Decimal("0"))), plan.required_hours))
    return query


# ---------------------------------------------------------------- credentials, per credential


@dataclass(frozen=True)
class CredentialDue:
    """One credential whose rule moment has come: the occasion the sweep records for it."""

    credential: Credential
    key: str
    due_at: datetime
    deadline: date  # its valid_until, or the review's date


def credential_key(
    *, event: str, credential_id: int, day: date | None = None, year: int | None = None
) -> str:
    """``until:<credential>:<valid_until>`` (``day``) or ``hours:<credential>:<year>`` (``year``: the
    year the review covers, not the year it is held in: a 2025 review is often held in 2026):
    unique per rule."""
    if event == Event.CREDENTIAL_EXPIRING:
        assert day is not None
        return f"until:{credential_id}:{day.isoformat()}"
    assert year is not None
    return f"hours:{credential_id}:{year}"


def _key_part(key: str) -> str:
    return key.rsplit(":", 1)[-1]


def _audience_q(occasion: Any, *, prefix: str = "") -> Q:
    """The audience filter of a rule (or occasion) over people, or through ``prefix`` ("holder__")."""
    query = Q()
    if occasion.audience_paths:
        query &= subtree_q(list(occasion.audience_paths), field=f"{prefix}department__path")
    if occasion.enforcement_officers_only:
        query &= Q(**{f"{prefix}is_enforcement_officer": True})
    return query


def _holder_filter(credentials: QuerySet[Credential], occasion: Any) -> QuerySet[Credential]:
    """The audience filter of a rule (or occasion) applied to credentials, through their holders."""
    return credentials.filter(_audience_q(occasion, prefix="holder__"), holder__is_active=True)


def _reviews_open(*, now: datetime) -> list[AnnualReview]:
    return list(AnnualReview.objects.filter(ran_at__isnull=True, review_on__gte=timezone.localdate(now)))


def credentials_due(occasion: Any, *, offset_minutes: int, now: datetime) -> list[CredentialDue]:
    """The credentials a credential rule fires for at ``now`` (``occasion``: the rule's unsaved
    snapshot, for its event and audience), whose holder still has to act; by holder name."""
    offset = timedelta(minutes=offset_minutes)
    due: list[CredentialDue] = []
    if occasion.event == Event.CREDENTIAL_EXPIRING:
        today = timezone.localdate(now)
        # anchor(valid_until) + offset <= now  <=>  valid_until <= the day of (now - offset - 9:00)
        latest = (timezone.localtime(now - offset) - timedelta(hours=CREDENTIAL_ANCHOR_TIME.hour)).date()
        credentials = credentials_expiring(before=latest + timedelta(days=1), on=today)
        for credential in _holder_filter(credentials, occasion).order_by("holder__name", "pk"):
            day = credential.valid_until
            key = credential_key(event=occasion.event, credential_id=credential.pk, day=day)
            due.append(CredentialDue(credential, key, credential_anchor(day) + offset, day))
    elif occasion.event == Event.CREDENTIAL_HOURS_SHORT:
        for review in _reviews_open(now=now):
            at = credential_anchor(review.review_on) + offset
            if not at <= now < credential_anchor(review.review_on) + timedelta(days=1):
                continue
            credentials = hours_short_credentials(year=review.year).select_related(
                "holder", "holder__department"
            )
            for credential in _holder_filter(credentials, occasion).order_by("holder__name", "pk"):
                key = credential_key(event=occasion.event, credential_id=credential.pk, year=review.year)
                due.append(CredentialDue(credential, key, at, review.review_on))
    else:
        raise ValueError(occasion.event)
    return due


def _credential_still_q(occasion: Any) -> Q:
    """The holder of the occasion's credential, while it still calls for the reminder."""
    if occasion.event == Event.CREDENTIAL_EXPIRING:
        credentials = Credential.objects.filter(
            status=CredentialStatus.VALID,
            superseded_by__isnull=True,
            valid_until=date.fromisoformat(_key_part(occasion.key)),
        )
    else:
        credentials = hours_short_credentials(year=int(_key_part(occasion.key)))
    return Q(is_active=True) & Q(Exists(credentials.filter(pk=occasion.subject_id, holder=OuterRef("pk"))))


def credential_window_end(occasion: Any) -> datetime:
    """After its credential's last valid day, or the review's day, a credential occasion is not sent."""
    if occasion.event == Event.CREDENTIAL_EXPIRING:
        day = date.fromisoformat(_key_part(occasion.key))
    else:
        review_on = (
            AnnualReview.objects.filter(year=int(_key_part(occasion.key)))
            .values_list("review_on", flat=True)
            .first()
        )
        if review_on is None:
            return occasion.created_at
        day = review_on
    return credential_anchor(day) + timedelta(days=1)


def occasion_window_end(occasion: Any) -> datetime:
    """:func:`window_end` of a saved occasion, whatever its target (a credentials nudge: a few days
    after it was made, so that its e-mail still waits for working hours)."""
    if occasion.event in CREDENTIAL_EVENTS:
        return credential_window_end(occasion)
    if occasion.event == Event.CREDENTIALS_AT_RISK:
        return occasion.created_at + CREDENTIALS_NUDGE_WINDOW
    return window_end(
        event=occasion.event, session=occasion.session, plan=occasion.plan, activity=occasion.activity
    )


def still_to_act_q(occasion: Any) -> Q:
    """A filter over ``User`` for the people ``occasion`` is for who have not yet acted."""
    event = occasion.event
    if event in (Event.SESSION_OPENS, Event.SESSION_CLOSES, Event.SESSION_FAILED):
        session = occasion.session
        query = eligible_users_q(
            department_paths=session_department_paths(session),
            enforcement_officers_only=session.enforcement_officers_only,
        )
        if event == Event.SESSION_FAILED:
            query &= _retake_left(session)
        else:
            query &= _not_submitted(session.pk)
    elif event == Event.PLAN_BEHIND:
        query = _plan_audience(occasion.plan) & _plan_behind(occasion.plan)
    elif event == Event.ACTIVITY_DAY_BEFORE:
        query = Q(is_active=True) & Q(
            Exists(ActivityAttendance.objects.filter(activity_id=occasion.activity_id, person=OuterRef("pk")))
        )
    elif event in CREDENTIAL_EVENTS:
        query = _credential_still_q(occasion)
    elif event == Event.CREDENTIALS_AT_RISK:
        # asked on the day it is sent: whoever renewed or was restored since is no longer at risk
        query = Q(is_active=True) & risk_q(occasion.key, on=timezone.localdate())
    else:
        raise ValueError(event)
    if occasion.person_id:
        query &= Q(pk=occasion.person_id)
    query &= _audience_q(occasion)
    if occasion.scope_paths is not None:
        query &= subtree_q(list(occasion.scope_paths), field="department__path")
    return query


def recipients(occasion: Any) -> QuerySet[User]:
    """The people who would receive ``occasion`` now (see the module docstring)."""
    return User.objects.filter(still_to_act_q(occasion))


# ---------------------------------------------------------------- what the message says


@dataclass(frozen=True)
class MessageContext:
    title: str  # the session's, plan's or activity's name ({考试名称} and {课程名称} alike); a credential's number ({证号})
    deadline: str
    path: str  # where the reader goes, relative to the site


def credential_context(credential: Credential, *, deadline: date) -> MessageContext:
    """A credential reminder's words: its number ({考试名称}/{课程名称}), the date by which to act
    (its last valid day, or the review's day) and the holder's credentials page."""
    return MessageContext(
        title=credential.number,
        deadline=date_format(deadline, "Y-m-d"),
        path=reverse("credentials:mine"),
    )


def message_context(occasion: Any) -> MessageContext:
    event = occasion.event
    if event in CREDENTIAL_EVENTS:
        credential = Credential.objects.get(pk=occasion.subject_id)
        if event == Event.CREDENTIAL_EXPIRING:
            deadline = date.fromisoformat(_key_part(occasion.key))
        else:
            review = AnnualReview.objects.filter(year=int(_key_part(occasion.key))).first()
            deadline = review.review_on if review is not None else date(int(_key_part(occasion.key)), 12, 31)
        return credential_context(credential, deadline=deadline)
    if event == Event.CREDENTIALS_AT_RISK:
        return MessageContext(title="", deadline="", path=reverse("credentials:mine"))
    if event in (Event.SESSION_OPENS, Event.SESSION_CLOSES, Event.SESSION_FAILED):
        session = occasion.session
        return MessageContext(
            title=session.title,
            deadline=date_format(timezone.localtime(session.closes_at), "Y-m-d H:i"),
            path=reverse("exams:my_exams") + f"#session-{session.pk}",
        )
    if event == Event.PLAN_BEHIND:
        plan = occasion.plan
        return MessageContext(
            title=plan.title,
            deadline=date_format(date(plan.year, 12, 31), "Y-m-d"),
            path=reverse("courses:my_study"),
        )
    if event == Event.ACTIVITY_DAY_BEFORE:
        activity = occasion.activity
        return MessageContext(
            title=activity.title,
            deadline=date_format(activity.held_on, "Y-m-d"),
            path=reverse("courses:my_study"),
        )
    raise ValueError(event)


def placeholder_values(*, context: MessageContext, person: User, site_url: str) -> dict[str, str]:
    return {
        messages.NAME: person.display_name,
        messages.EXAM_TITLE: context.title,
        messages.COURSE_TITLE: context.title,
        messages.CREDENTIAL_NUMBER: context.title,
        messages.DEADLINE: context.deadline,
        messages.LINK: site_url.rstrip("/") + context.path,
    }


__all__ = [
    "CREDENTIALS_NUDGE_WINDOW",
    "CREDENTIAL_EVENTS",
    "CredentialDue",
    "MessageContext",
    "activity_anchor",
    "anchor",
    "credential_anchor",
    "credential_context",
    "credential_key",
    "credential_window_end",
    "credentials_due",
    "message_context",
    "occasion_window_end",
    "placeholder_values",
    "plan_anchor",
    "recipients",
    "still_to_act_q",
    "window_end",
]
