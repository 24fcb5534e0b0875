"""The annual review (年审): did each holder earn the year's required training hours?

An administrator schedules the review of a year for a date (:func:`review_schedule`); on that date
the daily task runs it (:func:`reviews_run_due`), or an administrator runs it at once
(:func:`review_run`). Running it reads the study-hours ledger (``courses.selectors.study_hours_totals``,
one aggregate) and writes one ``ReviewResult`` per current valid or suspended credential granted
before the year began (a credential granted during the year is its holder's training of that year).
The hours required are the holder's bureau's (``ReviewHours`` of the top-level department), else
``settings.CREDENTIAL_REVIEW_HOURS`` (40).

A short holder's credential is marked ``review_standing = failed``: they may not enforce until an
administrator records the review as made good (:func:`review_make_good`), which needs a reason and
is audited. Running a review again recomputes every result not yet made good (hours earned since
count), so it is safe to run twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from courses.selectors import study_hours_totals
from people.models import User

from ..errors import ReasonRequired, ReviewNotFailed
from ..models import (
    AnnualReview,
    Credential,
    CredentialAction,
    ReviewHours,
    ReviewResult,
    ReviewStanding,
)
from ..selectors import default_review_hours, review_covered
from .events import record, snapshot


@dataclass(frozen=True)
class ReviewRunResult:
    review: AnnualReview
    passed: int
    failed: int


@transaction.atomic
def review_schedule(*, year: int, review_on: date, actor: User | None) -> AnnualReview:
    """Set (or move) the date of a year's review."""
    review, _created = AnnualReview.objects.update_or_create(
        year=year, defaults={"review_on": review_on, "created_by": actor}
    )
    return review


@transaction.atomic
def review_hours_set(*, bureau_id: int, required_hours: Decimal) -> ReviewHours:
    if required_hours < 0:
        raise ValidationFailed(_("年审所需学时不能为负数。"), field="required_hours")
    hours, _created = ReviewHours.objects.update_or_create(
        bureau_id=bureau_id, defaults={"required_hours": required_hours}
    )
    return hours


def _required_hours_for() -> dict[str, Decimal]:
    """Required hours by the path of each bureau that sets its own."""
    return dict(ReviewHours.objects.values_list("bureau__path", "required_hours"))


def review_run(*, review_id: int, now: datetime, actor: User | None = None) -> ReviewRunResult:
    """Run (or run again) one year's review; see the module docstring."""
    with transaction.atomic():
        review = AnnualReview.objects.select_for_update().get(pk=review_id)
        credentials = list(
            review_covered(year=review.year)
            .select_for_update(of=("self",))
            .select_related("holder__department")
            .order_by("pk")
        )
        made_good = set(
            ReviewResult.objects.filter(review=review, made_good_at__isnull=False).values_list(
                "credential_id", flat=True
            )
        )
        holders = User.objects.filter(pk__in={c.holder_id for c in credentials})
        earned = study_hours_totals(year=review.year, people=holders)
        bureaus = _required_hours_for()
        default = default_review_hours()
        rows: list[ReviewResult] = []
        passed = failed = 0
        for credential in credentials:
            if credential.pk in made_good:
                passed += 1
                continue
            department = credential.holder.department
            bureau_path = department.path.split("/", 1)[0] + "/" if department is not None else ""
            required = bureaus.get(bureau_path, default)
            hours = earned.get(credential.holder_id, Decimal(0))
            ok = hours >= required
            rows.append(
                ReviewResult(
                    review=review,
                    credential=credential,
                    required_hours=required,
                    earned_hours=hours,
                    passed=ok,
                )
            )
            standing = ReviewStanding.GOOD if ok else ReviewStanding.FAILED
            if credential.review_standing != standing:
                before = snapshot(credential)
                credential.review_standing = standing
                credential.save(update_fields=["review_standing"])
                record(
                    credential,
                    action=CredentialAction.REVIEW_FAIL if not ok else CredentialAction.REVIEW_MADE_GOOD,
                    actor=actor,
                    now=now,
                    before=before,
                    reason=_("%(year)s 年度年审：已获 %(hours)s 学时，需 %(required)s 学时。")
                    % {"year": review.year, "hours": hours, "required": required},
                )
            passed += int(ok)
            failed += int(not ok)
        ReviewResult.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["review", "credential"],
            update_fields=["required_hours", "earned_hours", "passed"],
        )
        review.ran_at = now
        review.save(update_fields=["ran_at"])
    return ReviewRunResult(review=review, passed=passed, failed=failed)


def reviews_run_due(*, today: date, now: datetime) -> int:
    """Run every review whose date has come and that has not run yet (the daily task)."""
    due = AnnualReview.objects.filter(Q(review_on__lte=today), ran_at__isnull=True).values_list(
        "pk", flat=True
    )
    count = 0
    for review_id in list(due):
        review_run(review_id=review_id, now=now)
        count += 1
    return count


@transaction.atomic
def review_make_good(*, result_id: int, reason: str, actor: User, now: datetime) -> ReviewResult:
    """Record that a short holder made good (补正): their standing is good again. Refused
    (``review_not_failed``) for a result that passed or was already made good."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(_("请填写原因。"), field="reason")
    result = ReviewResult.objects.select_for_update().select_related("credential").get(pk=result_id)
    if result.passed or result.made_good_at is not None:
        raise ReviewNotFailed(_("该年审结果不是“不合格”，无需补正。"))
    credential = Credential.objects.select_for_update().get(pk=result.credential_id)
    result.made_good_at = now
    result.made_good_by = actor
    result.made_good_reason = text
    result.save(update_fields=["made_good_at", "made_good_by", "made_good_reason"])
    before = snapshot(credential)
    credential.review_standing = ReviewStanding.GOOD
    credential.save(update_fields=["review_standing"])
    record(
        credential,
        action=CredentialAction.REVIEW_MADE_GOOD,
        actor=actor,
        now=now,
        before=before,
        reason=text,
    )
    return result
