"""The annual review (年审): hours from the study-hours ledger against the bureau's requirement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from courses.models import ActivityKind
from courses.services import activity_attendees_add
from credentials import selectors, services
from credentials.errors import ReasonRequired, ReviewNotFailed
from credentials.models import CredentialAction, CredentialEvent, ReviewResult, ReviewStanding
from tests.factories import (
    AdminFactory,
    CredentialFactory,
    DepartmentFactory,
    StudyActivityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GRANTED = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
REVIEW_DAY = date(2026, 12, 20)
NOW = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)


def hours(person, amount: str, *, year: int = 2026) -> None:
    """``person`` attends a lecture of ``amount`` hours in ``year``: the ledger credits them."""
    activity: Any = StudyActivityFactory(
        kind=ActivityKind.LECTURE, held_on=date(year, 5, 1), hours=Decimal(amount), meeting=""
    )
    activity_attendees_add(activity=activity, people=[person], actor=None)


@pytest.fixture
def holders():
    bureau = DepartmentFactory(name="市局")
    strict = DepartmentFactory(name="严格局")
    return {
        "enough": CredentialFactory(holder=UserFactory(department=bureau), granted_at=GRANTED),
        "short": CredentialFactory(holder=UserFactory(department=bureau), granted_at=GRANTED),
        "strict": CredentialFactory(
            holder=UserFactory(department=DepartmentFactory(parent=strict)), granted_at=GRANTED
        ),
        "new": CredentialFactory(
            holder=UserFactory(department=bureau), granted_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
        ),
        "strict_bureau": strict,
    }


def test_the_review_passes_who_earned_the_hours_and_fails_who_fell_short(holders):
    hours(holders["enough"].holder, "40")
    hours(holders["short"].holder, "39.5")
    hours(holders["short"].holder, "10", year=2025)  # last year's hours do not count
    hours(holders["strict"].holder, "45")
    services.review_hours_set(bureau_id=holders["strict_bureau"].pk, required_hours=Decimal("60"))
    review = services.review_schedule(year=2026, review_on=REVIEW_DAY, actor=AdminFactory())

    ran = services.reviews_run_due(today=REVIEW_DAY, now=NOW)

    assert ran == 1
    results = {
        r.credential_id: (r.earned_hours, r.required_hours, r.passed) for r in ReviewResult.objects.all()
    }
    assert results == {
        holders["enough"].pk: (Decimal("40.0"), Decimal("40.0"), True),
        holders["short"].pk: (Decimal("39.5"), Decimal("40.0"), False),
        holders["strict"].pk: (Decimal("45.0"), Decimal("60.0"), False),
    }  # a credential granted during the year is not reviewed for it
    standing = {
        key: selectors.current_credential(person=holders[key].holder).review_standing
        for key in ("enough", "short", "strict", "new")
    }
    assert standing == {"enough": "good", "short": "failed", "strict": "failed", "new": "good"}
    assert selectors.may_enforce(person=holders["short"].holder, on=REVIEW_DAY) is False
    assert selectors.may_enforce(person=holders["enough"].holder, on=REVIEW_DAY) is True
    review.refresh_from_db()
    assert review.ran_at == NOW
    assert services.reviews_run_due(today=REVIEW_DAY, now=NOW) == 0


def test_a_review_before_its_date_does_not_run(holders):
    services.review_schedule(year=2026, review_on=REVIEW_DAY, actor=None)

    assert services.reviews_run_due(today=REVIEW_DAY - timedelta(days=1), now=NOW) == 0
    assert ReviewResult.objects.count() == 0


@override_settings(CREDENTIAL_REVIEW_HOURS=10)
def test_the_default_requirement_is_a_setting(holders):
    hours(holders["short"].holder, "12")
    review = services.review_schedule(year=2026, review_on=REVIEW_DAY, actor=None)

    result = services.review_run(review_id=review.pk, now=NOW)

    assert ReviewResult.objects.get(credential=holders["short"]).passed is True
    assert (result.passed, result.failed) == (1, 2)


def test_making_good_restores_the_standing_and_is_audited(holders):
    admin = AdminFactory()
    review = services.review_schedule(year=2026, review_on=REVIEW_DAY, actor=admin)
    services.review_run(review_id=review.pk, now=NOW)
    result = ReviewResult.objects.get(credential=holders["short"])

    services.review_make_good(result_id=result.pk, reason="已补学并考核合格", actor=admin, now=NOW)

    result.refresh_from_db()
    assert (result.made_good_by, result.made_good_reason) == (admin, "已补学并考核合格")
    assert selectors.may_enforce(person=holders["short"].holder, on=REVIEW_DAY) is True
    event = CredentialEvent.objects.filter(credential=holders["short"]).latest("id")
    assert (event.action, event.actor, event.before["review_standing"], event.after["review_standing"]) == (
        CredentialAction.REVIEW_MADE_GOOD,
        admin,
        "failed",
        "good",
    )
    # running the review again keeps what was made good
    services.review_run(review_id=review.pk, now=NOW)
    assert selectors.current_credential(person=holders["short"].holder).review_standing == ReviewStanding.GOOD


def test_making_good_a_passed_result_or_without_a_reason_is_refused_and_changes_nothing(holders):
    hours(holders["enough"].holder, "50")
    review = services.review_schedule(year=2026, review_on=REVIEW_DAY, actor=None)
    services.review_run(review_id=review.pk, now=NOW)
    passed = ReviewResult.objects.get(credential=holders["enough"])
    short = ReviewResult.objects.get(credential=holders["short"])

    with pytest.raises(ReviewNotFailed):
        services.review_make_good(result_id=passed.pk, reason="无", actor=AdminFactory(), now=NOW)
    with pytest.raises(ReasonRequired):
        services.review_make_good(result_id=short.pk, reason=" ", actor=AdminFactory(), now=NOW)

    short.refresh_from_db()
    assert short.made_good_at is None
    assert selectors.current_credential(person=holders["short"].holder).review_standing == "failed"
