"""The demo makes the dashboard meaningful: last year's and this year's annual exams partly sat, the
qualification exam too; the demo leader's division has figures, credentials at risk of every kind
included; a second run changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from courses import demo as courses_demo
from credentials import demo as credentials_demo
from exams import demo as exams_demo
from exams.models import Attempt
from people import demo as people_demo
from people.models import User
from reports import demo, selectors

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_gives_the_leader_figures_and_a_second_run_changes_nothing():
    people_demo.seed()
    exams_demo.seed(now=NOW)
    courses_demo.seed(now=NOW)
    credentials_demo.seed(now=NOW)
    demo.seed(now=NOW)
    attempts = Attempt.objects.count()
    demo.seed(now=NOW)
    assert Attempt.objects.count() == attempts
    for username in demo.DEMO_USERS:
        assert not Attempt.objects.filter(candidate__username=username).exists()

    scope = selectors.report_scope(User.objects.get(username="leader"))
    this_year = selectors.participation_report(scope=scope, cohort=selectors.cohort_for(year=2026))
    totals = this_year.totals
    assert 0 < totals.participated < totals.eligible
    assert 0 < totals.passed < totals.participated
    assert [row.department.name for row in this_year.departments] == [
        "城建监察支队",
        "一大队",
        "二大队",
        "综合科",
    ]
    trend = selectors.year_on_year(scope=scope)
    assert [item.year for item in trend] == [2025, 2026]
    assert trend[0].figures.participated > 0
    qualification = selectors.participation_report(
        scope=scope, cohort=selectors.cohort_for(year=2026, kind="qualification")
    )
    assert qualification.totals.participated > 0
    study = selectors.study_report(scope=scope, year=2026)
    assert study.totals.people > 0 and study.totals.hours_sum > 0
    credentials = selectors.credential_report(scope=scope, today=NOW.date())
    at_risk = credentials.totals
    assert at_risk.valid > 0
    assert (at_risk.suspended, at_risk.review_failed, at_risk.expiring) == (1, 1, 2)
    assert at_risk.officers_not_enforcing >= 3  # 张伟 (none), the suspended and the failed review
    names = {
        p.username for p in selectors.credential_people(scope=scope, today=NOW.date(), which="not_enforcing")
    }
    assert "zhangwei" in names
