"""Every read of enforcement credentials, limited to what the asking user may see.

**May this person enforce?** is decided here and nowhere else: :func:`may_enforce_q` is the
rule as a filter on credentials, :func:`may_enforce_exists` the same rule as a subquery that
annotates any queryset of people (the staff API, the roster, reports: one statement for a whole
list), and :func:`may_enforce` the answer for one person. A person may enforce only while they
hold a credential that is

- ``valid`` (not suspended, revoked or expired), and today within ``valid_from``–``valid_until``;
- in good annual-review standing;
- backed by its attempt, still submitted and passed, of a qualification exam (a regrade that turned
  it into a fail takes the right away at once, before any administrator decides).

**Is this person's credential at risk?** is decided here too: :func:`risk_q` (expiring within
``EXPIRY_WARNING``, suspended, failed in review, or an enforcement officer who may not enforce) and
:func:`at_risk_q` (any of them), filters over people that the reports' figures and lists and the
reminders' credential nudge all use.

Who sees which credentials: administrators all, leaders those held by people in their
departments' subtrees, staff their own (``people.scope``). Selectors never import services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from courses.models import StudyHoursEntry
from exams.models import Attempt, AttemptStatus, ExamKind, ExamSession
from people.models import PATH_STEP, Department, User
from people.scope import is_exam_admin, led_paths, subtree_q

from .models import AnnualReview, Credential, CredentialStatus, ReviewHours, ReviewResult, ReviewStanding

# A valid credential ending within this long is "expiring": the home page's warning, the renewal list
# and the reports all ask this one window.
EXPIRY_WARNING = timedelta(days=90)


def today() -> date:
    return timezone.localdate()


def may_enforce_q(*, on: date | None = None, prefix: str = "") -> Q:
    """The credentials that let their holder enforce on ``on`` (today by default).

    ``prefix`` ("credentials__") applies the same rule through a relation.
    """
    on = on or today()
    p = prefix
    return Q(
        **{
            f"{p}status": CredentialStatus.VALID,
            f"{p}valid_from__lte": on,
            f"{p}valid_until__gte": on,
            f"{p}review_standing": ReviewStanding.GOOD,
            f"{p}attempt__status": AttemptStatus.SUBMITTED,
            f"{p}attempt__passed": True,
            f"{p}attempt__session__exam__kind": ExamKind.QUALIFICATION,
        }
    )


def may_enforce_exists(*, on: date | None = None, holder_ref: str = "pk") -> Exists:
    """``may_enforce`` as a subquery over the outer row's person (``holder_ref``): annotate a queryset
    of users with it and a whole list is answered in its one statement."""
    return Exists(Credential.objects.filter(may_enforce_q(on=on), holder=OuterRef(holder_ref)))


def may_enforce(*, person: User, on: date | None = None) -> bool:
    """The one answer to "may this person enforce?" for one person (one query)."""
    return Credential.objects.filter(may_enforce_q(on=on), holder=person).exists()


def enforcing_people(*, on: date | None = None) -> QuerySet[User]:
    """Everyone who may enforce on ``on``."""
    return User.objects.filter(may_enforce_exists(on=on))


# ---------------------------------------------------------------- lists and single credentials


def _base() -> QuerySet[Credential]:
    return Credential.objects.select_related("holder", "holder__department", "session", "session__exam")


def visible_credentials(user: User | AnonymousUser) -> QuerySet[Credential]:
    """The credentials ``user`` may see: all for administrators, their scope for leaders, their own."""
    if is_exam_admin(user):
        return _base()
    if not user.is_authenticated:
        return Credential.objects.none()
    return _base().filter(subtree_q(led_paths(user), field="holder__department__path") | Q(holder=user))


@dataclass(frozen=True)
class CredentialFilters:
    status: str | None = None
    department: Department | None = None  # its whole subtree
    expiring_before: date | None = None  # valid or suspended, ending before this date
    review_standing: str | None = None
    flagged: bool | None = None
    search: str = ""  # number, holder's name, user name or employee number
    current_only: bool = False  # leave out credentials superseded by a renewal


def credential_list_for_user(
    *, user: User | AnonymousUser, filters: CredentialFilters | None = None
) -> QuerySet[Credential]:
    """The register as ``user`` may see it, filtered; newest grant first."""
    filters = filters or CredentialFilters()
    credentials = visible_credentials(user)
    if filters.status:
        credentials = credentials.filter(status=filters.status)
    if filters.department is not None:
        credentials = credentials.filter(holder__department__path__startswith=filters.department.path)
    if filters.expiring_before is not None:
        credentials = credentials.filter(
            status__in=[CredentialStatus.VALID, CredentialStatus.SUSPENDED],
            valid_until__lt=filters.expiring_before,
        )
    if filters.review_standing:
        credentials = credentials.filter(review_standing=filters.review_standing)
    if filters.flagged is not None:
        credentials = credentials.filter(flagged_at__isnull=not filters.flagged)
    if filters.current_only:
        credentials = credentials.filter(superseded_by__isnull=True)
    if filters.search:
        term = filters.search.strip()
        credentials = credentials.filter(
            Q(number__icontains=term)
            | Q(holder__name__icontains=term)
            | Q(holder__username__icontains=term)
            | Q(holder__employee_no__icontains=term)
        )
    return credentials.order_by("-granted_at", "-id")


def credential_for_user(*, user: User | AnonymousUser, credential_id: int) -> Credential:
    """One credential ``user`` may see; 404 (never 403) for one they may not."""
    return get_object_or_404(visible_credentials(user), pk=credential_id)


def credential_by_token(*, token: str) -> Credential | None:
    """The credential of a verification token, or None for an unknown or malformed token."""
    if not token or len(token) > 64:
        return None
    return Credential.objects.select_related("holder", "holder__department").filter(token=token).first()


def credentials_of(*, person: User) -> list[Credential]:
    """A person's credentials, the current one first, with their history."""
    return list(_base().filter(holder=person).order_by("-granted_at", "-id"))


def current_credential(*, person: User) -> Credential | None:
    """The person's credential not superseded by a renewal (their latest), or None."""
    return _base().filter(holder=person, superseded_by__isnull=True).order_by("-granted_at", "-id").first()


def expiring_q(*, before: date, on: date | None = None, prefix: str = "") -> Q:
    """Current valid credentials whose validity ends on or after ``on`` and before ``before``
    (``prefix`` applies the rule through a relation)."""
    on = on or today()
    p = prefix
    return Q(
        **{
            f"{p}status": CredentialStatus.VALID,
            f"{p}superseded_by__isnull": True,
            f"{p}valid_until__gte": on,
            f"{p}valid_until__lt": before,
        }
    )


def credentials_expiring(*, before: date, on: date | None = None) -> QuerySet[Credential]:
    """Current valid credentials whose validity ends on or after ``on`` and before ``before``: the
    ones to remind of renewal. A holder who already renewed (their credential superseded) is left out."""
    return _base().filter(expiring_q(before=before, on=on))


# ---------------------------------------------------------------- people whose credential is at risk

# Why a person's credential is at risk; :func:`at_risk_q` is any of them. The reports' lists and
# figures and the reminders' credential nudge all ask these, so one rule decides.
RISK_EXPIRING = "expiring"
RISK_SUSPENDED = "suspended"
RISK_REVIEW_FAILED = "review_failed"
RISK_NOT_ENFORCING = "not_enforcing"
RISKS = (RISK_EXPIRING, RISK_SUSPENDED, RISK_REVIEW_FAILED, RISK_NOT_ENFORCING)
AT_RISK = "at_risk"  # any of the reasons


def expiry_window_end(on: date) -> date:
    """The first day past the expiry window (``EXPIRY_WARNING``, both ends included) that starts ``on``."""
    return on + EXPIRY_WARNING + timedelta(days=1)


def expiring_soon_q(*, on: date, prefix: str = "") -> Q:
    """Current valid credentials ending on ``on`` or within ``EXPIRY_WARNING`` after it."""
    return expiring_q(before=expiry_window_end(on), on=on, prefix=prefix)


def suspended_q(*, prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": CredentialStatus.SUSPENDED})


def review_failed_q(*, prefix: str = "") -> Q:
    """Valid or suspended credentials whose annual review failed and was not made good."""
    return Q(
        **{
            f"{prefix}review_standing": ReviewStanding.FAILED,
            f"{prefix}status__in": [CredentialStatus.VALID, CredentialStatus.SUSPENDED],
        }
    )


def holds_q(condition: Q) -> Q:
    """People (a filter over ``User``) who hold a credential matching ``condition``."""
    return Q(Exists(Credential.objects.filter(condition, holder=OuterRef("pk"))))


def not_enforcing_q(*, on: date) -> Q:
    """Enforcement officers who may not enforce on ``on`` (:func:`may_enforce_exists`)."""
    return Q(is_enforcement_officer=True) & ~Q(may_enforce_exists(on=on))


def risk_q(reason: str, *, on: date) -> Q:
    """People (a filter over ``User``) whose credential is at risk on ``on`` for ``reason`` (one of
    ``RISKS``, or ``AT_RISK`` for any): a current credential expiring within ``EXPIRY_WARNING``,
    suspended, or failed in review and not made good; or an enforcement officer who may not enforce."""
    if reason == AT_RISK:
        return at_risk_q(on=on)
    if reason == RISK_EXPIRING:
        return holds_q(expiring_soon_q(on=on))
    if reason == RISK_SUSPENDED:
        return holds_q(suspended_q())
    if reason == RISK_REVIEW_FAILED:
        return holds_q(review_failed_q())
    if reason == RISK_NOT_ENFORCING:
        return not_enforcing_q(on=on)
    raise ValueError(reason)


def at_risk_q(*, on: date) -> Q:
    """People whose credential is at risk on ``on`` for any reason (:func:`risk_q`); each person once."""
    return holds_q(expiring_soon_q(on=on) | suspended_q() | review_failed_q()) | not_enforcing_q(on=on)


def people_at_risk(*, reason: str = AT_RISK, on: date | None = None) -> QuerySet[User]:
    """Active people whose credential is at risk on ``on`` (today by default) for ``reason``; unscoped:
    callers narrow it to what the user may see (``people.scope``)."""
    return User.objects.filter(risk_q(reason, on=on or today()), is_active=True)


def credential_events(*, credential: Credential) -> QuerySet[Any]:
    return credential.events.select_related("actor").order_by("at", "id")


# ---------------------------------------------------------------- bulk grant


@dataclass(frozen=True)
class PendingGrant:
    attempt_id: int
    holder_id: int
    name: str
    department: str
    score: Any


def bulk_grant_session(*, session_id: int) -> ExamSession:
    return get_object_or_404(ExamSession.objects.select_related("exam"), pk=session_id)


def bulk_grant_preview(*, session: ExamSession) -> list[PendingGrant]:
    """The passed attempts of ``session`` that have no credential yet: who a bulk grant would grant."""
    rows = (
        Attempt.objects.filter(
            session=session, status=AttemptStatus.SUBMITTED, passed=True, credential__isnull=True
        )
        .order_by("candidate__employee_no", "pk")
        .values(
            "pk",
            "candidate_id",
            "candidate__name",
            "candidate__username",
            "candidate__department__name",
            "score",
        )
    )
    return [
        PendingGrant(
            attempt_id=row["pk"],
            holder_id=row["candidate_id"],
            name=row["candidate__name"] or row["candidate__username"],
            department=row["candidate__department__name"] or "",
            score=row["score"],
        )
        for row in rows
    ]


def closed_qualification_sessions(*, now: Any) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(exam__kind=ExamKind.QUALIFICATION, closes_at__lte=now).order_by(
        "-closes_at"
    )


# ---------------------------------------------------------------- figures (reports)


@dataclass(frozen=True)
class CredentialFigures:
    total: int
    valid: int
    suspended: int
    revoked: int
    expired: int
    review_failed: int
    flagged: int
    may_enforce: int  # people, not credentials


def credential_figures(*, user: User | AnonymousUser, on: date | None = None) -> CredentialFigures:
    """Counts over the credentials (and holders) ``user`` may see: two statements."""
    credentials = visible_credentials(user).order_by()
    counts = credentials.aggregate(
        total=Count("id"),
        valid=Count("id", filter=Q(status=CredentialStatus.VALID)),
        suspended=Count("id", filter=Q(status=CredentialStatus.SUSPENDED)),
        revoked=Count("id", filter=Q(status=CredentialStatus.REVOKED)),
        expired=Count("id", filter=Q(status=CredentialStatus.EXPIRED)),
        review_failed=Count(
            "id",
            filter=Q(review_standing=ReviewStanding.FAILED)
            & Q(status__in=[CredentialStatus.VALID, CredentialStatus.SUSPENDED]),
        ),
        flagged=Count("id", filter=Q(flagged_at__isnull=False)),
    )
    enforcing = credentials.filter(may_enforce_q(on=on)).values("holder").distinct().count()
    return CredentialFigures(**counts, may_enforce=enforcing)


# ---------------------------------------------------------------- annual review


def review_results(*, review: AnnualReview, user: User | AnonymousUser) -> QuerySet[ReviewResult]:
    """One review's results over the credentials ``user`` may see: short ones first."""
    return (
        ReviewResult.objects.filter(review=review, credential__in=visible_credentials(user).values("pk"))
        .select_related("credential", "credential__holder", "credential__holder__department")
        .order_by("passed", "credential__number")
    )


def default_review_hours() -> Decimal:
    """The training hours a year's review requires where the bureau sets none (``CREDENTIAL_REVIEW_HOURS``)."""
    return Decimal(str(getattr(settings, "CREDENTIAL_REVIEW_HOURS", 40)))


def review_covered(*, year: int) -> QuerySet[Credential]:
    """The credentials the review of ``year`` covers: current (not superseded), valid or suspended, granted
    before the year began (a credential granted during the year is its holder's training of that year)."""
    return Credential.objects.filter(
        status__in=[CredentialStatus.VALID, CredentialStatus.SUSPENDED],
        superseded_by__isnull=True,
        valid_from__lt=date(year, 1, 1),
    )


def hours_short_credentials(*, year: int) -> QuerySet[Credential]:
    """The *valid* credentials the review of ``year`` covers whose holder has, so far, fewer hours in
    ``year`` than the holder's bureau requires (``ReviewHours``, else :func:`default_review_hours`):
    the holders to remind before the review date. One statement; annotated ``earned_hours`` and
    ``required_hours``."""
    hours = (
        StudyHoursEntry.objects.filter(person=OuterRef("holder"), year=year)
        .order_by()
        .values("person")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    bureau_path = Substr(OuterRef("holder__department__path"), 1, PATH_STEP + 1)
    bureau_hours = ReviewHours.objects.filter(bureau__path=bureau_path).values("required_hours")[:1]
    decimal = DecimalField(max_digits=9, decimal_places=1)
    return (
        review_covered(year=year)
        .filter(status=CredentialStatus.VALID)
        .annotate(
            earned_hours=Coalesce(Subquery(hours), Value(Decimal(0)), output_field=decimal),
            required_hours=Coalesce(
                Subquery(bureau_hours), Value(default_review_hours()), output_field=decimal
            ),
        )
        .filter(earned_hours__lt=F("required_hours"))
    )
